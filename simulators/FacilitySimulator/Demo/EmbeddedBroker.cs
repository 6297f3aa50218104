using System.Net;
using System.Net.Sockets;
using MQTTnet.Server;

namespace FacilitySimulator.Demo;

/// <summary>An in-process MQTT broker (MQTTnet.Server) for the demo: port 1883 when free, another free port otherwise.</summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly MqttServer _server;
    private long _published;

    private EmbeddedBroker(MqttServer server, int port)
    {
        _server = server;
        Port = port;
        _server.InterceptingPublishAsync += _ =>
        {
            Interlocked.Increment(ref _published);
            return Task.CompletedTask;
        };
    }

    public int Port { get; }

    /// <summary>Messages published to the broker so far.</summary>
    public long Published => Interlocked.Read(ref _published);

    public static async Task<EmbeddedBroker> StartAsync(int preferredPort = 1883)
    {
        int port = IsFree(preferredPort) ? preferredPort : FreePort();
        var options = new MqttServerFactory().CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(port)
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        var broker = new EmbeddedBroker(server, port);
        await server.StartAsync().ConfigureAwait(false);
        return broker;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync(new MqttServerStopOptionsBuilder().Build()).ConfigureAwait(false);
        _server.Dispose();
    }
}
