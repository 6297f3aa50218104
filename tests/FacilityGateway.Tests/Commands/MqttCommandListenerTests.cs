using System.Net;
using System.Net.Sockets;
using FacilityGateway.Commands;
using FacilityGateway.Commands.Mqtt;
using FacilityGateway.Configuration;
using FacilityGateway.Sinks.Mqtt;
using Microsoft.Extensions.Logging.Abstractions;

namespace FacilityGateway.Tests.Commands;

public sealed class MqttCommandListenerTests
{
    /// <summary>
    /// Regression: a broker that closed the connection while the gateway was stopping (the listener in the middle of
    /// CONNECT) made the stop fail with MqttConnectingFailedException, so the test's gateway "crashed" on a clean stop.
    /// </summary>
    [Fact]
    public async Task BrokerClosingTheConnectionDuringTheStop_DoesNotFailTheStop()
    {
        using var broker = new TcpListener(IPAddress.Loopback, 0);
        broker.Start();
        int port = ((IPEndPoint)broker.LocalEndpoint).Port;
        var options = new MqttSinkOptions { Id = "broker", Kind = "mqtt", Host = "127.0.0.1", Port = port };
        // The engine is never reached: no command arrives.
        var commands = new CommandService(null!, NullLogger<CommandService>.Instance);
        using var listener = new MqttCommandListener(options, new GatewayIdentity { Id = "gw", Site = "site" }, commands, TimeProvider.System, NullLogger<MqttCommandListener>.Instance);

        await listener.StartAsync(CancellationToken.None);
        using var connection = await broker.AcceptSocketAsync().WaitAsync(TimeSpan.FromSeconds(10)); // CONNECT sent, never answered
        var stopping = listener.StopAsync(CancellationToken.None);
        connection.Close(); // the broker goes away while the gateway stops
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(listener.ExecuteTask!.IsFaulted, listener.ExecuteTask.Exception?.GetBaseException().Message);
        Assert.False(listener.Listening.IsCompleted);
    }
}
