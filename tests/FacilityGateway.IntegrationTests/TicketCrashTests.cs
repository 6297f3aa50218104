using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;
using Xunit.Abstractions;

namespace FacilityGateway.IntegrationTests;

/// <summary>
/// The property of the alarm path activate -> store -> notify: whatever step a crash falls between, every alarm
/// occurrence gives exactly one ticket, none is missing, on a real Mosquitto broker and on a webhook receiver. Leak
/// probes turn wet one after another while the gateway process is killed with SIGKILL at random moments and started
/// again; some probes turn wet while it is down.
/// </summary>
public sealed class TicketCrashTests : IDisposable
{
    private const int Probes = 16;
    private readonly ITestOutputHelper _output;
    private readonly HttpListener _listener = new();
    private readonly int _webhookPort = FreePort.Next();
    private readonly ConcurrentQueue<(string Key, string Body)> _posts = new();

    public TicketCrashTests(ITestOutputHelper output)
    {
        _output = output;
        _listener.Prefixes.Add($"http://127.0.0.1:{_webhookPort}/");
        _listener.Start();
        _ = ReceiveAsync();
    }

    private async Task ReceiveAsync()
    {
        while (_listener.IsListening)
        {
            try
            {
                var context = await _listener.GetContextAsync();
                string body = await new StreamReader(context.Request.InputStream).ReadToEndAsync();
                _posts.Enqueue((context.Request.Headers["Idempotency-Key"] ?? "", body));
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }
            catch (HttpListenerException)
            {
                // the gateway was killed mid-request
            }
        }
    }

    public void Dispose() => _listener.Close();

    private static string Executable => Path.Combine(AppContext.BaseDirectory, "facility-gateway.dll");

    [Fact]
    public async Task KilledAtRandomWhileProbesTurnWet_EveryOccurrenceHasExactlyOneTicket_OnTheBrokerAndTheWebhook()
    {
        await using var broker = await MosquittoBroker.StartAsync(tls: null, passwords: false);
        await using var subscriber = await MqttSubscriber.StartAsync(broker.Port, "facility/#", tls: null, credentials: false);
        var store = new ModbusDataStore(1);
        await using var modbus = new ModbusTcpServer(store);
        modbus.Start();

        string directory = Directory.CreateTempSubdirectory("fg-ticket-kill-").FullName;
        string config = Path.Combine(directory, "gateway.yaml");
        await File.WriteAllTextAsync(config, $$"""
            gateway: { id: crash-gw, site: test-site, data_directory: {{directory}}/data }
            logging: { level: information }
            assets: [{ id: basement, name: Basement leak zone, type: leak_zone }]
            devices:
              - id: probes
                asset: basement
                endpoint: "tcp://127.0.0.1:{{modbus.LocalEndPoint.Port}}"
                unit: 1
                interval: 50ms
                points:
            {{string.Join('\n', Enumerable.Range(0, Probes).Select(i => $"      - {{ id: p{i}, coil: {i}, alarms: [{{ type: state, state: 1, on_delay: 0s, latched: true, priority: P1, message: Leak at probe {i} }}] }}"))}}
            sinks:
              - { id: broker, kind: mqtt, host: 127.0.0.1, port: {{broker.Port}}, max_backoff: 200ms }
              - { id: pager, kind: webhook, url: "http://127.0.0.1:{{_webhookPort}}/tickets", max_backoff: 200ms }
            """);
        var random = new Random(20261127);
        int wet = 0;
        try
        {
            // 12 rounds in CI; FG_TICKET_KILL_ROUNDS=100 for the long run of docs/PERFORMANCE.md (probes spread over all rounds).
            int minRounds = int.TryParse(Environment.GetEnvironmentVariable("FG_TICKET_KILL_ROUNDS"), out int r) ? r : 12;
            // Probes turn wet on their own clock, independent of the gateway's lives.
            using var leaks = new Timer(_ =>
            {
                int probe = Interlocked.Increment(ref wet) - 1;
                if (probe < Probes)
                    store[1].SetBits(ModbusTable.Coils, (ushort)probe, [true]);
            }, null, 500, 700 * minRounds / 12);

            int rounds = 0, storedNotSent = 0, wetWhileDown = 0;
            while (Volatile.Read(ref wet) < Probes + 2 || rounds < minRounds)
            {
                await using var gateway = PeerProcess.Start("dotnet", Executable, "run", "--config", config);
                await gateway.WaitForLineAsync(l => l.Contains("Application started", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
                await Task.Delay(random.Next(50, 1200));
                await gateway.DisposeAsync(); // SIGKILL, at a random step of the alarm path
                rounds++;
                storedNotSent += TicketRecordsNotYetDelivered(Path.Combine(directory, "data", "outbox.db"));
                if (random.Next(3) == 0)
                {
                    int before = Volatile.Read(ref wet);
                    await Task.Delay(random.Next(300, 1500)); // down for a while: probes turn wet meanwhile
                    wetWhileDown += Math.Max(0, Math.Min(Probes, Volatile.Read(ref wet)) - Math.Min(Probes, before));
                }
            }
            _output.WriteLine($"{rounds} killed runs; killed {storedNotSent} time(s) with a ticket stored but not yet sent; {wetWhileDown} probe(s) turned wet while the gateway was down");

            // A last run that is left alone until every probe's ticket is on the broker and at the webhook.
            await using (var last = PeerProcess.Start("dotnet", Executable, "run", "--config", config))
            {
                await subscriber.WaitForAsync(s => RulesOnBroker(s).Count == Probes, TimeSpan.FromSeconds(60), $"tickets of all {Probes} probes on the broker");
                var deadline = DateTime.UtcNow.AddSeconds(60);
                while (RulesAtWebhook().Count < Probes && DateTime.UtcNow < deadline)
                    await Task.Delay(100);
            }

            var onBroker = RulesOnBroker(subscriber);
            var atWebhook = RulesAtWebhook();
            _output.WriteLine($"{_posts.Count} webhook posts ({_posts.Count - _posts.Select(p => p.Key).Distinct().Count()} redelivered), {subscriber.Messages.Count} MQTT messages");
            for (int i = 0; i < Probes; i++)
            {
                string rule = $"probes/p{i}/state";
                Assert.True(onBroker.TryGetValue(rule, out var brokerTickets), $"probe {i}: no ticket on the broker");
                Assert.True(atWebhook.TryGetValue(rule, out var webhookTickets), $"probe {i}: no ticket at the webhook");
                Assert.True(brokerTickets.Count == 1, $"probe {i}: {brokerTickets.Count} tickets on the broker: {string.Join(", ", brokerTickets)}");
                Assert.True(webhookTickets.Count == 1, $"probe {i}: {webhookTickets.Count} tickets at the webhook: {string.Join(", ", webhookTickets)}");
                Assert.Equal(brokerTickets, webhookTickets);
            }
            // A redelivery carries the same key and the same notification: a receiver can drop it by the key.
            foreach (var group in _posts.GroupBy(p => p.Key))
                Assert.Single(group.Select(p => JsonDocument.Parse(p.Body).RootElement.GetProperty("event").GetString()).Distinct());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Ticket events committed to the outbox that some sink had not yet delivered when the process died.</summary>
    private static int TicketRecordsNotYetDelivered(string path) =>
        (int)OutboxFile.Scalar(path, "SELECT COUNT(*) FROM records WHERE kind = 3 AND id > (SELECT COALESCE(MIN(position), 0) FROM cursors)");

    /// <summary>Distinct ticket ids per rule in every ticket state and event message on the broker.</summary>
    private static Dictionary<string, HashSet<string>> RulesOnBroker(MqttSubscriber subscriber)
    {
        var rules = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (topic, payload, _) in subscriber.Messages)
        {
            JsonElement ticket;
            if (topic.Contains("/tickets/T-", StringComparison.Ordinal))
                ticket = JsonDocument.Parse(payload).RootElement;
            else if (topic.EndsWith("/events", StringComparison.Ordinal))
                ticket = JsonDocument.Parse(payload).RootElement.GetProperty("ticket");
            else
                continue;
            Add(rules, ticket);
        }
        return rules;
    }

    private Dictionary<string, HashSet<string>> RulesAtWebhook()
    {
        var rules = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (_, body) in _posts)
            Add(rules, JsonDocument.Parse(body).RootElement.GetProperty("ticket"));
        return rules;
    }

    private static void Add(Dictionary<string, HashSet<string>> rules, JsonElement ticket)
    {
        string rule = ticket.GetProperty("rule_id").GetString()!;
        if (!rules.TryGetValue(rule, out var ids))
            rules[rule] = ids = new HashSet<string>(StringComparer.Ordinal);
        ids.Add(ticket.GetProperty("id").GetString()!);
    }
}
