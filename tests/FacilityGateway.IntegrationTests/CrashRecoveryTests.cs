using System.Globalization;
using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;
using Xunit.Abstractions;

namespace FacilityGateway.IntegrationTests;

/// <summary>
/// The gateway process is killed with SIGKILL at random moments under load, ten times, and started again; at the end
/// every record the outbox ever accepted has reached a real MQTT broker's subscriber at least once (counted by id).
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output)
{
    private static string Executable => Path.Combine(AppContext.BaseDirectory, "facility-gateway.dll");

    [Fact]
    public async Task KilledTenTimesUnderLoad_EveryAcceptedRecordIsDeliveredAtLeastOnce()
    {
        await using var broker = await MosquittoBroker.StartAsync(tls: null, passwords: false);
        await using var subscriber = await MqttSubscriber.StartAsync(broker.Port, "facility/#", tls: null, credentials: false);
        var store = new ModbusDataStore(1, 2, 3, 4);
        await using var modbus = new ModbusTcpServer(store);
        modbus.Start();
        using var changing = new Timer(_ => store[1].SetRegister(ModbusTable.HoldingRegisters, 0, (ushort)Environment.TickCount), null, 0, 10);

        string directory = Directory.CreateTempSubdirectory("fg-kill-").FullName;
        string config = Path.Combine(directory, "gateway.yaml");
        string Yaml(bool polling) => $$"""
            gateway: { id: crash-gw, site: test-site, data_directory: {{directory}}/data }
            logging: { level: information }
            # Each run lives a few hundred ms: prompt commits give it records to accept (grouping has its own test).
            outbox: { commit_every: 0s }
            assets: [{ id: plant, name: Plant, type: other }]
            devices:
            {{string.Join('\n', Enumerable.Range(1, 4).Select(u => $"  - {{ id: d{u}, asset: plant, endpoint: \"tcp://127.0.0.1:{modbus.LocalEndPoint.Port}\", unit: {u}, interval: 20ms, enabled: {(polling ? "true" : "false")}, points: [{{ id: v, holding: 0 }}] }}"))}}
            sinks:
              - { id: broker, kind: mqtt, host: 127.0.0.1, port: {{broker.Port}}, max_backoff: 200ms }
            """;
        var random = new Random(20261126);
        try
        {
            await File.WriteAllTextAsync(config, Yaml(polling: true));
            for (int round = 0; round < 10; round++)
            {
                await using var gateway = PeerProcess.Start("dotnet", Executable, "run", "--config", config);
                await gateway.WaitForLineAsync(l => l.Contains("Application started", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
                await Task.Delay(random.Next(200, 1200));
                await gateway.DisposeAsync(); // SIGKILL: no shutdown, no flush
            }

            long accepted = LastAcceptedId(Path.Combine(directory, "data", "outbox.db"));
            output.WriteLine($"accepted {accepted} records over 10 killed runs");
            Assert.True(accepted > 100, $"only {accepted} records accepted: the load did not run");

            // A last run that polls nothing and only drains the outbox.
            await File.WriteAllTextAsync(config, Yaml(polling: false));
            await using (var drain = PeerProcess.Start("dotnet", Executable, "run", "--config", config))
            {
                await subscriber.WaitForAsync(s => s.TelemetryIds().Distinct().Count() >= accepted, TimeSpan.FromSeconds(60), $"all {accepted} records");
            }
            var ids = subscriber.TelemetryIds();
            var missing = Enumerable.Range(1, (int)accepted).Select(i => (long)i).Except(ids).ToList();
            output.WriteLine($"{ids.Count} messages for {accepted} records: {ids.Count - ids.Distinct().Count()} duplicates, {missing.Count} missing");
            Assert.True(missing.Count == 0, $"missing {missing.Count} accepted record(s), first {string.Join(", ", missing.Take(10))}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static long LastAcceptedId(string path) => OutboxFile.Scalar(path, "SELECT seq FROM sqlite_sequence WHERE name = 'records'");
}
