using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace FacilityGateway.Sinks.Mqtt;

/// <summary>The broker connection of an MQTT sink's settings: used by the sink, and by the command line to send commands.</summary>
public static class MqttConnection
{
    /// <summary>Client options; with <paramref name="topics"/> the gateway's last will (offline) is set, for the sink itself.</summary>
    public static MqttClientOptions Options(MqttSinkOptions options, string gatewayId, string clientIdSuffix, MqttTopics? topics = null)
    {
        bool tls = options.Tls is { Enabled: true };
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(options.Host, options.Port ?? (tls ? 8883 : 1883))
            .WithClientId((options.ClientId ?? $"facility-gateway-{gatewayId}") + clientIdSuffix)
            .WithProtocolVersion(options.Protocol == MqttVersion.V311 ? MqttProtocolVersion.V311 : MqttProtocolVersion.V500)
            .WithKeepAlivePeriod(options.KeepAlive)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .WithCleanSession(true);
        if (topics is not null)
        {
            builder.WithWillTopic(topics.Status)
                .WithWillPayload(Encoding.UTF8.GetBytes("offline"))
                .WithWillRetain(true)
                .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        }
        if (options.Username is not null)
            builder.WithCredentials(options.Username, options.Password ?? "");
        if (tls)
            builder.WithTlsOptions(t => MqttTls.Configure(t, options.Tls!, options.Host));
        return builder.Build();
    }
}
