using FacilityGateway.Sources.Simulated;
using System.Collections.Concurrent;
using System.Device.Gpio;
using System.Globalization;
using System.Net;
using System.Text.Json;
using FacilityGateway.Alarms;
using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;
using FacilityGateway.Outbox;
using FacilityGateway.Sources.Gpio;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace FacilityGateway.IntegrationTests;

/// <summary>
/// A leak during a rude network: a TCP fault proxy between the gateway and each of its real peers (Mosquitto,
/// InfluxDB 1.x, a webhook receiver standing for ntfy, a Modbus server), one fault at a time, for a few seconds, then
/// the network comes back. Nobody restarts anything: the leak's ticket reaches the broker and the phone receiver, once
/// per occurrence (one ticket id, one notification key), and every poll the gateway accepted arrives at the broker and
/// at InfluxDB. The long version, each fault many times over (FG_FAULT_ROUNDS), is tests/Benchmarks/reliability.sh.
/// </summary>
public sealed class FaultProxyTests : IAsyncDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly HttpListener _receiver = new();
    private readonly int _receiverPort = FreePort.Next();
    private readonly ConcurrentQueue<(string Key, string Body)> _pages = new();

    private readonly ITestOutputHelper _output;

    public FaultProxyTests(ITestOutputHelper output)
    {
        _output = output;
        _receiver.Prefixes.Add($"http://127.0.0.1:{_receiverPort}/");
        _receiver.Start();
        _ = ReceiveAsync();
    }

    private async Task ReceiveAsync()
    {
        while (_receiver.IsListening)
        {
            try
            {
                var context = await _receiver.GetContextAsync();
                string body = await new StreamReader(context.Request.InputStream).ReadToEndAsync();
                _pages.Enqueue((context.Request.Headers["Idempotency-Key"] ?? "", body));
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
            catch (Exception) when (!_receiver.IsListening)
            {
                return;
            }
            catch (HttpListenerException)
            {
                // the proxy cut the connection mid-request: the gateway sends it again
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _receiver.Close();
        return ValueTask.CompletedTask;
    }

    [Theory]
    [InlineData(ProxyFault.Latency)]
    [InlineData(ProxyFault.Bandwidth)]
    [InlineData(ProxyFault.ResetMidFrame)]
    [InlineData(ProxyFault.BlackHole)]
    [InlineData(ProxyFault.OneByteSlices)]
    [InlineData(ProxyFault.CloseAfterBytes)]
    public async Task LeakDuringAFault_IsPagedOncePerOccurrence_AndEveryAcceptedPollArrives(ProxyFault fault)
    {
        await using var broker = await MosquittoBroker.StartAsync(tls: null, passwords: false);
        await using var influx = await InfluxDb1Server.StartAsync();
        await influx.QueryAsync("", "CREATE DATABASE facility");
        var store = new ModbusDataStore(1);
        store[1].SetRegisters(ModbusTable.HoldingRegisters, 0, [2305]);
        await using var meter = new ModbusTcpServer(store);
        meter.Start();
        await using var toBroker = new FaultProxy(broker.Port);
        await using var toInflux = new FaultProxy(new Uri(influx.Url).Port);
        await using var toPhone = new FaultProxy(_receiverPort);
        await using var toMeter = new FaultProxy(meter.LocalEndPoint.Port);
        FaultProxy[] proxies = [toBroker, toInflux, toPhone, toMeter];
        await using var subscriber = await MqttSubscriber.StartAsync(broker.Port, "facility/#", tls: null, credentials: false);

        await using var gateway = await GatewayUnderTest.StartAsync($$"""
            gateway: { id: gw, site: site }
            logging: { level: error }
            assets:
              - { id: tank-room, name: Tank room leak zone, type: leak_zone }
              - { id: incomer, name: Main incomer, type: meter }
            devices:
              - { id: probe, kind: gpio_input, driver: simulated, asset: tank-room, pin: 17, meaning: leak, debounce: 10ms, alarms: [{ type: state, state: 1, on_delay: 0s, latched: true, priority: P1, message: Water leak }] }
              - { id: meter, asset: incomer, endpoint: "tcp://127.0.0.1:{{toMeter.Port}}", unit: 1, interval: 200ms, timeout: 500ms, points: [{ id: voltage, holding: 0, scale: 0.1, unit: V }] }
            sinks:
              - { id: broker, kind: mqtt, host: 127.0.0.1, port: {{toBroker.Port}}, max_backoff: 500ms, keep_alive: 2s }
              - { id: influx, kind: influxdb, api: v1, url: "http://127.0.0.1:{{toInflux.Port}}", database: facility, timeout: 2s, max_backoff: 500ms }
              - { id: phone, kind: webhook, url: "http://127.0.0.1:{{toPhone.Port}}/oncall", events: [opened], timeout: 2s, max_backoff: 500ms }
            """);
        await subscriber.WaitForAsync(s => s.TelemetryIds().Count > 3, Wait, "telemetry before the fault");

        int rounds = int.TryParse(Environment.GetEnvironmentVariable("FG_FAULT_ROUNDS"), out int wanted) && wanted > 0 ? wanted : 1;
        for (int round = 0; round < rounds; round++)
        {
            foreach (var proxy in proxies)
                proxy.Fault = fault;
            if (round == 0)
                gateway.Services.GetRequiredService<SimulatedGpio>().Chip(0).SetInput(17, PinValue.High);
            await Task.Delay(TimeSpan.FromSeconds(4)); // the fault lasts a while: the test is about what happens in it
            foreach (var proxy in proxies)
                proxy.Fault = ProxyFault.None;
            if (round + 1 < rounds)
                await Task.Delay(TimeSpan.FromSeconds(2)); // the network is back a moment, then fails again
        }
        var cut = DateTimeOffset.UtcNow;

        // Every poll accepted before the cut, and the leak's page, arrive without anyone restarting anything.
        var engine = gateway.Services.GetRequiredService<AlarmEngine>();
        var ticket = Assert.Single(engine.OpenTickets, t => t.RuleId.StartsWith("probe/", StringComparison.Ordinal));
        var polls = gateway.Recorder.Batches.Select(b => b.Batch).Where(b => b.DeviceId == "meter" && b.SampledAt <= cut)
            .Select(b => b.SampledAt.ToUnixTimeMilliseconds()).ToHashSet();
        await subscriber.WaitForAsync(s => polls.IsSubsetOf(TelemetryTimes(s, "meter")) && TicketKeys(s, ticket.Id).Count > 0, Wait, $"{polls.Count} polls and the leak on the broker under {fault}");
        var deadline = DateTime.UtcNow + Wait;
        while (!_pages.Any(p => p.Key.StartsWith(ticket.Id, StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        var stored = await EventuallyAsync(() => InfluxTimesAsync(influx), t => polls.IsSubsetOf(t), deadline);

        Assert.Single(engine.OpenTickets, t => t.RuleId.StartsWith("probe/", StringComparison.Ordinal)); // one ticket for one leak
        Assert.Single(TicketKeys(subscriber, ticket.Id).Distinct()); // one notification, however often it was carried
        Assert.Single(_pages.Where(p => p.Key.StartsWith(ticket.Id, StringComparison.Ordinal)).Select(p => p.Key).Distinct());
        Assert.True(polls.IsSubsetOf(stored), $"{polls.Except(stored).Count()} of {polls.Count} polls missing in InfluxDB under {fault}");
        var outbox = gateway.Services.GetRequiredService<FacilityGateway.Delivery.DeliveryService>();
        Assert.All(outbox.Runners, r => Assert.True(r.Restarts == 0, $"{r.Name} restarted {r.Restarts} time(s) under {fault}: {r.LastCrash}")); // the faults were peers' trouble, handled as such
        if (fault is ProxyFault.ResetMidFrame or ProxyFault.CloseAfterBytes or ProxyFault.BlackHole)
            Assert.True(toBroker.Accepted > 1 && toInflux.Accepted > 1, $"no reconnect under {fault}: broker {toBroker.Accepted}, InfluxDB {toInflux.Accepted}");
        _output.WriteLine(FormattableString.Invariant(
            $"| {fault} | {rounds} | {polls.Count} | {polls.Count} | {polls.Count} | 0 | 1 | {TicketKeys(subscriber, ticket.Id).Count} | {_pages.Count(p => p.Key.StartsWith(ticket.Id, StringComparison.Ordinal))} | {toBroker.Accepted}/{toInflux.Accepted}/{toPhone.Accepted}/{toMeter.Accepted} |"));
    }

    private static HashSet<long> TelemetryTimes(MqttSubscriber subscriber, string device) =>
        [.. subscriber.Messages.Where(m => m.Topic.EndsWith($"/telemetry/{device}", StringComparison.Ordinal))
            .Select(m => DateTimeOffset.Parse(JsonDocument.Parse(m.Payload).RootElement.GetProperty("ts").GetString()!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds())];

    private static List<string> TicketKeys(MqttSubscriber subscriber, string ticketId) =>
        [.. subscriber.Messages.Where(m => m.Topic.EndsWith("/events", StringComparison.Ordinal))
            .Select(m => JsonDocument.Parse(m.Payload).RootElement)
            .Where(e => e.GetProperty("event").GetString() == "opened" && e.GetProperty("ticket").GetProperty("id").GetString() == ticketId)
            .Select(e => e.GetProperty("key").GetString()!)];

    private static async Task<HashSet<long>> InfluxTimesAsync(InfluxDb1Server influx)
    {
        string json = await influx.QueryAsync("facility", "SELECT * FROM readings WHERE device = 'meter'");
        var results = JsonDocument.Parse(json).RootElement.GetProperty("results")[0];
        return results.TryGetProperty("series", out var series)
            ? [.. series[0].GetProperty("values").EnumerateArray().Select(v => v[0].GetInt64())]
            : [];
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, DateTime deadline)
    {
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline)
                return value;
            await Task.Delay(200);
        }
    }
}
