using System.Text.Json;
using FacilityGateway.Cli;
using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;
using Xunit.Abstractions;

namespace FacilityGateway.IntegrationTests;

/// <summary>
/// Power cuts at random points: the real gateway process runs over a file layer that keeps only what was synced
/// (Peers/powercut.c, preloaded), leaks come, technicians acknowledge from the command line, the process is killed
/// (kill -9) and the files are put back as a power cut would leave them; then it starts again on them. No ticket that
/// paged anyone is lost, no leak is raised again under a new ticket id, and no acknowledgement the command line was told
/// is done goes missing. The long version (many more cuts) is tests/Benchmarks/reliability.sh (FG_POWER_CUTS).
/// </summary>
public sealed class PowerLossTests(ITestOutputHelper output)
{
    private static string Executable => Path.Combine(AppContext.BaseDirectory, "facility-gateway.dll");
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    /// <summary>Builds the preloaded file layer once per test run.</summary>
    private static async Task<string> BuildPowerCutAsync(string directory)
    {
        string library = Path.Combine(directory, "powercut.so");
        var (code, text) = await PeerProcess.RunAsync(TimeSpan.FromSeconds(60), PeerTools.Require("gcc", "gcc"),
            "-shared", "-fPIC", "-O2", "-o", library, Path.Combine(PeerTools.PeersDirectory, "powercut.c"), "-ldl", "-lpthread");
        Assert.True(code == 0, $"gcc: {text}");
        return library;
    }

    /// <summary>Puts each watched file back as it was at its last sync; one never synced never reached the disk.</summary>
    private static void CutPower(string data)
    {
        foreach (string name in new[] { "outbox.db", "outbox.db-wal" })
        {
            string file = Path.Combine(data, name), synced = file + ".synced";
            if (File.Exists(synced))
                File.Copy(synced, file, overwrite: true);
            else
                File.Delete(file);
        }
        File.Delete(Path.Combine(data, "outbox.db-shm")); // shared memory: gone with the power
    }

    [Fact]
    public async Task RandomPowerCuts_NoPagedTicketLost_NoneRaisedAgainUnderANewId_NoAcknowledgedActionLost()
    {
        await using var broker = await MosquittoBroker.StartAsync(tls: null, passwords: false);
        await using var subscriber = await MqttSubscriber.StartAsync(broker.Port, "facility/#", tls: null, credentials: false);
        var store = new ModbusDataStore(1);
        await using var panel = new ModbusTcpServer(store);
        panel.Start();
        string site = Directory.CreateTempSubdirectory("fg-power-").FullName;
        string data = Path.Combine(site, "data");
        string config = Path.Combine(site, "gateway.yaml");
        // FG_POWER_CUTS runs the long version (tests/Benchmarks/reliability.sh); the test command makes six cuts.
        int zones = int.TryParse(Environment.GetEnvironmentVariable("FG_POWER_CUTS"), out int cutsWanted) && cutsWanted > 0 ? cutsWanted : 6;
        await File.WriteAllTextAsync(config, $$"""
            gateway: { id: gw, site: site }
            logging: { level: warning }
            assets: [{ id: basement, name: Basement, type: leak_zone }]
            devices:
              - id: panel
                asset: basement
                endpoint: "tcp://127.0.0.1:{{panel.LocalEndPoint.Port}}"
                unit: 1
                interval: 50ms
                points:
            {{string.Join('\n', Enumerable.Range(0, zones).Select(i => $"      - {{ id: zone{i}, coil: {i}, meaning: leak, alarms: [{{ type: state, state: 1, on_delay: 0s, latched: true, priority: P1, message: Leak in zone {i} }}] }}"))}}
            sinks:
              - { id: broker, kind: mqtt, host: 127.0.0.1, port: {{broker.Port}}, max_backoff: 200ms }
            """);
        string library = await BuildPowerCutAsync(site);
        var environment = new Dictionary<string, string> { ["LD_PRELOAD"] = library };
        var random = new Random(20261202);
        var acknowledged = new HashSet<string>(StringComparer.Ordinal);
        int cuts = 0;
        try
        {
            for (int zone = 0; zone < zones; zone++)
            {
                await using (var gateway = PeerProcess.StartWith(site, environment, "dotnet", Executable, "run", "--config", config))
                {
                    await gateway.WaitForLineAsync(l => l.Contains("Application started", StringComparison.Ordinal), Wait);
                    store[1].SetBits(ModbusTable.Coils, (ushort)zone, [true]); // a new leak; the earlier ones are still wet
                    await subscriber.WaitForAsync(s => Opened(s).ContainsKey($"panel/zone{zone}/state"), Wait, $"the page for zone {zone}");
                    // Someone acknowledges an earlier one; the command line hears 'done' only once it is stored.
                    if (zone > 0 && Opened(subscriber).TryGetValue($"panel/zone{random.Next(zone)}/state", out var ids) && !acknowledged.Contains(ids[0]))
                    {
                        var error = new StringWriter();
                        if (await GatewayCommands.InvokeAsync(["tickets", "ack", ids[0], "--by", "alice", "--config", config], new StringWriter(), error) == ExitCodes.Ok)
                            acknowledged.Add(ids[0]);
                    }
                    await Task.Delay(random.Next(0, 400)); // the power goes at some point after that
                }
                CutPower(data);
                cuts++;
            }

            // Back on, once more, on what the last cut left.
            await using (var gateway = PeerProcess.StartWith(site, environment, "dotnet", Executable, "run", "--config", config))
            {
                await gateway.WaitForLineAsync(l => l.Contains("Application started", StringComparison.Ordinal), Wait);
                await Task.Delay(1000);
            }
            var listed = new StringWriter();
            Assert.Equal(0, await GatewayCommands.InvokeAsync(["tickets", "list", "--all", "--config", config], listed, new StringWriter()));
            string tickets = listed.ToString();
            var opened = Opened(subscriber);
            output.WriteLine($"{cuts} power cuts; {opened.Sum(o => o.Value.Count)} ticket(s) paged; {acknowledged.Count} acknowledgement(s) confirmed");

            for (int zone = 0; zone < zones; zone++)
            {
                var ids = Assert.Contains($"panel/zone{zone}/state", (IDictionary<string, List<string>>)opened);
                Assert.True(ids.Count == 1, $"zone {zone} was raised {ids.Count} times under ids {string.Join(", ", ids)}");
                Assert.Contains(ids[0], tickets, StringComparison.Ordinal); // paged, so stored: it survived every cut
            }
            foreach (string id in acknowledged)
                Assert.Matches($@"{id}  P1  acknowledged", tickets);
        }
        finally
        {
            Directory.Delete(site, recursive: true);
        }
    }

    /// <summary>Ticket ids per rule from the "opened" events seen on the broker, in order.</summary>
    private static Dictionary<string, List<string>> Opened(MqttSubscriber subscriber)
    {
        var opened = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var message in subscriber.Messages.Where(m => m.Topic.EndsWith("/events", StringComparison.Ordinal)))
        {
            var e = JsonDocument.Parse(message.Payload).RootElement;
            if (e.GetProperty("event").GetString() != "opened")
                continue;
            string rule = e.GetProperty("ticket").GetProperty("rule_id").GetString()!, id = e.GetProperty("ticket").GetProperty("id").GetString()!;
            if (!opened.TryGetValue(rule, out var ids))
                opened[rule] = ids = [];
            if (!ids.Contains(id))
                ids.Add(id);
        }
        return opened;
    }
}
