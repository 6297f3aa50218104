using FacilityGateway.Modbus.Server;

namespace FacilityGateway.IntegrationTests.Infrastructure;

/// <summary>
/// The smallest site a process test needs: a Modbus TCP device in this process and, in a folder of its own, a
/// gateway.yaml polling it every 100 ms (plus what the test adds); disposing stops the device and removes the folder.
/// </summary>
public sealed class OneDeviceSite : IAsyncDisposable
{
    private OneDeviceSite(ModbusTcpServer server, string directory)
    {
        Server = server;
        Directory = directory;
    }

    public ModbusTcpServer Server { get; }
    public string Directory { get; }
    public string ConfigPath => Path.Combine(Directory, "gateway.yaml");

    public static async Task<OneDeviceSite> CreateAsync(string extraYaml = "")
    {
        var server = new ModbusTcpServer(new ModbusDataStore(1));
        server.Start();
        var site = new OneDeviceSite(server, System.IO.Directory.CreateTempSubdirectory("fg-site-").FullName);
        await File.WriteAllTextAsync(site.ConfigPath, $$"""
            gateway: { id: gw, site: site }
            assets: [{ id: a, name: A, type: meter }]
            devices: [{ id: d, asset: a, endpoint: "tcp://127.0.0.1:{{server.LocalEndPoint.Port}}", unit: 1, interval: 100ms, points: [{ id: p, holding: 0 }] }]
            {{extraYaml}}
            """);
        return site;
    }

    /// <summary>Waits until the device has been polled a few times.</summary>
    public async Task WaitForPollsAsync()
    {
        for (int i = 0; i < 300 && Server.Requests < 3; i++)
            await Task.Delay(20);
        Assert.True(Server.Requests >= 3, "the gateway did not poll");
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
