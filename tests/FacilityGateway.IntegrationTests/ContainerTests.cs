using System.Globalization;
using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Modbus.Server;

namespace FacilityGateway.IntegrationTests;

/// <summary>
/// The Dockerfile's runtime image, built with Debian's podman from this checkout's build output on a Debian base made
/// with debootstrap (packaging/container/build-image.sh: base images cannot be pulled here), and run: as its non-root
/// user, polling over the network, healthy by its own HEALTHCHECK, keeping its state in the data volume.
/// </summary>
public sealed class ContainerTests
{
    [Fact]
    public async Task RuntimeImage_RunsAsItsNonRootUser_Polls_IsHealthyByItsHealthcheck_AndKeepsStateInTheVolume()
    {
        string podman = PeerTools.Require("podman", "podman");
        PeerTools.Require("debootstrap", "debootstrap");
        Assert.True(Environment.UserName == "root", "podman builds and runs images as root here: run the test command as root (./test.sh)");
        string tag = $"localhost/facility-gateway:test-{Environment.ProcessId}";
        string name = $"fg-test-{Environment.ProcessId}";
        var (built, buildOutput) = await PeerProcess.RunAsync(TimeSpan.FromMinutes(10), RepositoryFiles.Path("packaging", "container", "build-image.sh"), "--tag", tag);
        Assert.True(built == 0, buildOutput);
        string directory = Directory.CreateTempSubdirectory("fg-container-").FullName;
        try
        {
            var (_, user) = await PeerProcess.RunAsync(TimeSpan.FromSeconds(30), podman, "image", "inspect", tag, "--format", "{{.Config.User}}|{{json .Config.Healthcheck.Test}}");
            Assert.StartsWith("10001:10001|", user.Trim(), StringComparison.Ordinal);
            Assert.Contains("health", user, StringComparison.Ordinal);

            var store = new ModbusDataStore(1);
            await using var server = new ModbusTcpServer(store);
            server.Start();
            int monitoring = FreePort.Next();
            string data = Path.Combine(directory, "data");
            Directory.CreateDirectory(data);
            await PeerProcess.RunAsync(TimeSpan.FromSeconds(10), "chown", "10001:10001", data);
            string config = Path.Combine(directory, "gateway.yaml");
            await File.WriteAllTextAsync(config, $$"""
                gateway: { id: 容器网关, site: site, data_directory: /var/lib/facility-gateway }
                assets: [{ id: a, name: A, type: meter }]
                devices: [{ id: d, asset: a, endpoint: "tcp://127.0.0.1:{{server.LocalEndPoint.Port}}", unit: 1, interval: 200ms, points: [{ id: p, holding: 0 }] }]
                monitoring: { enabled: true, listen: "127.0.0.1:{{monitoring}}" }
                """);
            // This sandbox refuses raising resource limits (the container's are set at or below the host's) and crun
            // refuses its hybrid cgroups: runc runs it.
            var (started, startOutput) = await PeerProcess.RunAsync(TimeSpan.FromMinutes(1), podman, "run", "-d", "--name", name, "--runtime", "runc", "--network", "host",
                "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096",
                "-v", $"{config}:/etc/facility-gateway/gateway.yaml:ro", "-v", $"{data}:/var/lib/facility-gateway", tag);
            Assert.True(started == 0, startOutput);

            for (int i = 0; i < 1500 && server.Requests < 3; i++)
                await Task.Delay(20);
            Assert.True(server.Requests >= 3, $"the container did not poll\n{(await PeerProcess.RunAsync(TimeSpan.FromSeconds(30), podman, "logs", name)).Output}");
            Assert.Equal("10001", (await PeerProcess.RunAsync(TimeSpan.FromSeconds(30), podman, "exec", name, "id", "-u")).Output.Trim());
            var (healthy, healthOutput) = await PeerProcess.RunAsync(TimeSpan.FromMinutes(1), podman, "healthcheck", "run", name);
            Assert.True(healthy == 0, healthOutput);

            var (stopped, stopOutput) = await PeerProcess.RunAsync(TimeSpan.FromMinutes(1), podman, "stop", "-t", "15", name);
            Assert.True(stopped == 0, stopOutput);
            Assert.Equal("0", (await PeerProcess.RunAsync(TimeSpan.FromSeconds(30), podman, "inspect", name, "--format", "{{.State.ExitCode}}")).Output.Trim());
            Assert.True(File.Exists(Path.Combine(data, "outbox.db")), "the outbox is in the data volume");
            Assert.Equal("10001", (await PeerProcess.RunAsync(TimeSpan.FromSeconds(10), "stat", "-c", "%u", Path.Combine(data, "outbox.db"))).Output.Trim());
        }
        finally
        {
            await PeerProcess.RunAsync(TimeSpan.FromMinutes(1), podman, "rm", "-f", name);
            await PeerProcess.RunAsync(TimeSpan.FromMinutes(1), podman, "rmi", "-f", tag);
            Directory.Delete(directory, recursive: true);
        }
    }
}
