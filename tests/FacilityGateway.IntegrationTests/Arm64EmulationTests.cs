using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;

namespace FacilityGateway.IntegrationTests;

/// <summary>
/// The linux-arm64 build (what the Debian package ships for a Raspberry Pi), run under Debian's qemu-aarch64-static with
/// Debian's arm64 libraries: a correctness check of the build, not a measure of the device's speed.
/// </summary>
public sealed class Arm64EmulationTests
{
    private static readonly TimeSpan Emulated = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Arm64Build_UnderQemu_ValidatesTheExample_PollsOverTcp_PublishesToMosquitto_AndRaisesALeakTicket()
    {
        string qemu = PeerTools.Require("qemu-aarch64-static", "qemu-user-static");
        PeerTools.Require("/lib/ld-linux-aarch64.so.1", "libc6:arm64 (after dpkg --add-architecture arm64)");
        string publish = Directory.CreateTempSubdirectory("fg-arm64-").FullName;
        string site = Directory.CreateTempSubdirectory("fg-arm64-site-").FullName;
        try
        {
            // The Native AOT build (PublishAot in the project), cross-compiled here with clang and Debian's aarch64
            // toolchain, as packaging/debian/build-deb.sh --arch arm64 builds it.
            var (built, buildOutput) = await PeerProcess.RunAsync(TimeSpan.FromMinutes(10), "dotnet",
                "publish", RepositoryFiles.Path("gateway", "FacilityGateway", "FacilityGateway.csproj"), "-c", "Release", "-r", "linux-arm64", "--self-contained", "-o", publish, "-nologo", "-v", "quiet");
            Assert.True(built == 0, buildOutput);
            string gateway = Path.Combine(publish, "facility-gateway");
            Assert.Contains("ARM aarch64", (await PeerProcess.RunAsync(TimeSpan.FromSeconds(30), "file", "-L", gateway)).Output, StringComparison.Ordinal);

            var (validated, validateOutput) = await PeerProcess.RunAsync(Emulated, qemu, "-L", "/", gateway, "validate", "--config", RepositoryFiles.Path("config", "example.yaml"));
            Assert.True(validated == 0, validateOutput);
            Assert.Contains("configuration OK", validateOutput, StringComparison.Ordinal);

            var store = new ModbusDataStore(3);
            await using var panel = new ModbusTcpServer(store);
            panel.Start();
            await using var broker = await MosquittoBroker.StartAsync(passwords: false);
            await using var subscriber = await MqttSubscriber.StartAsync(broker.Port, "facility/#", credentials: false);
            string config = Path.Combine(site, "gateway.yaml");
            await File.WriteAllTextAsync(config, $$"""
                gateway: { id: 地下室网关, site: 滨江花园 }
                assets: [{ id: tank-room, name: 水箱间漏水区, type: leak_zone }]
                devices:
                  - id: leak-panel
                    asset: tank-room
                    endpoint: "tcp://127.0.0.1:{{panel.LocalEndPoint.Port}}"
                    unit: 3
                    interval: 200ms
                    points: [{ id: probe, coil: 0, meaning: leak, alarms: [{ type: state, state: 1, message: 水箱下方漏水 }] }]
                sinks: [{ id: broker, kind: mqtt, host: 127.0.0.1, port: {{broker.Port}} }]
                """);
            // The runtime settings as the unit and the image set them (under qemu-user the gateway cannot re-execute
            // itself: no binfmt_misc here).
            var environment = new Dictionary<string, string> { ["DOTNET_EnableWriteXorExecute"] = "0", ["DOTNET_GCgen0size"] = "200000" };
            await using var process = PeerProcess.StartWith(site, environment, qemu, "-L", "/", gateway, "run", "--config", config);
            await process.WaitForLineAsync(l => l.Contains("Application started", StringComparison.Ordinal), Emulated);
            await subscriber.WaitForAsync(s => s.Messages.Any(m => m.Topic.Contains("leak-panel", StringComparison.Ordinal)), Emulated, "telemetry from the arm64 gateway");

            store[3].SetBits(ModbusTable.Coils, 0, [true]); // water under the tanks
            string opened = await process.WaitForLineAsync(l => l.Contains("opened: P1 水箱间漏水区: 水箱下方漏水", StringComparison.Ordinal), Emulated);
            Assert.Contains("Ticket T-", opened, StringComparison.Ordinal);
            await subscriber.WaitForAsync(s => s.Messages.Any(m => m.Topic.Contains("ticket", StringComparison.OrdinalIgnoreCase) && m.Payload.Contains("水箱下方漏水", StringComparison.Ordinal)), Emulated, "the leak ticket on MQTT");
        }
        finally
        {
            Directory.Delete(publish, recursive: true);
            Directory.Delete(site, recursive: true);
        }
    }
}
