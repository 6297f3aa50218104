using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;

namespace FacilityGateway.IntegrationTests;

/// <summary>
/// The whole gateway process on a real, small file system (tmpfs) that another program fills to the last byte: the
/// gateway keeps polling and alarming in memory, says so, and stores and sends the leak's ticket once the disk has room
/// again, without a restart. (A read-only remount cannot be made under open files here: the kernel refuses it while a
/// file is open for writing, and this machine has no device-mapper to fail the device under ext4; the read-only path
/// is proven at the SQLite level in StorageFullTests.)
/// </summary>
public sealed class StorageFaultTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private static string Executable => Path.Combine(AppContext.BaseDirectory, "facility-gateway.dll");

    [Fact]
    public async Task DiskFilledToTheLastByte_TheGatewayPollsAndAlarmsOn_AndTheLeaksTicketGoesOutWhenThereIsRoom()
    {
        await using var disk = await SmallDisk.MountAsync(8);
        await using var broker = await MosquittoBroker.StartAsync(tls: null, passwords: false);
        await using var subscriber = await MqttSubscriber.StartAsync(broker.Port, "facility/#", tls: null, credentials: false);
        var store = new ModbusDataStore(1);
        await using var panel = new ModbusTcpServer(store);
        panel.Start();
        string config = Path.Combine(disk.Path, "gateway.yaml");
        await File.WriteAllTextAsync(config, $$"""
            gateway: { id: gw, site: site }
            logging: { level: warning }
            outbox: { min_free_disk_megabytes: 0 }
            assets: [{ id: tank-room, name: Tank room, type: leak_zone }]
            devices:
              - { id: panel, asset: tank-room, endpoint: "tcp://127.0.0.1:{{panel.LocalEndPoint.Port}}", unit: 1, interval: 100ms, points: [{ id: leak, coil: 0, meaning: leak, alarms: [{ type: state, state: 1, on_delay: 0s, latched: true, priority: P1, message: Water leak }] }] }
            sinks:
              - { id: broker, kind: mqtt, host: 127.0.0.1, port: {{broker.Port}}, max_backoff: 500ms }
            """);
        await using var gateway = PeerProcess.Start("dotnet", Executable, "run", "--config", config);
        await subscriber.WaitForAsync(s => s.TelemetryIds().Count > 3, Wait, "telemetry before the fault");

        await disk.FillAsync();
        long requests = panel.Requests;
        store[1].SetBits(ModbusTable.Coils, 0, [true]); // the leak, while nothing can be written
        await gateway.WaitForLineAsync(l => l.Contains("opened: P1 Tank room: Water leak", StringComparison.Ordinal), Wait); // raised in memory
        await gateway.WaitForLineAsync(l => l.Contains("cannot be stored", StringComparison.Ordinal), Wait); // and says so
        Assert.DoesNotContain(subscriber.Messages, m => m.Topic.EndsWith("/events", StringComparison.Ordinal));
        for (int i = 0; i < 100 && panel.Requests < requests + 10; i++)
            await Task.Delay(50);
        Assert.True(panel.Requests >= requests + 10, "polling stopped while the disk refused writes");

        // Full for longer than a pruning round (10 s), which also writes: still running.
        await Task.Delay(TimeSpan.FromSeconds(12));
        Assert.False(gateway.HasExited, $"the gateway stopped on the full disk:\n{gateway.Output}");
        disk.Free();
        await subscriber.WaitForAsync(s => s.Messages.Any(m => m.Topic.EndsWith("/events", StringComparison.Ordinal) && m.Payload.Contains("\"opened\"", StringComparison.Ordinal)), Wait,
            "the leak's ticket on the broker once the disk is back");
        Assert.False(gateway.HasExited, $"the gateway stopped:\n{gateway.Output}");
    }
}
