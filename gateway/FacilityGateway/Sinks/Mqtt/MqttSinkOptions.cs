using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Sinks.Mqtt;

/// <summary>MQTT protocol versions.</summary>
public enum MqttVersion { V311, V500 }

/// <summary><c>kind: mqtt</c>: telemetry, status and (later) tickets to an MQTT broker.</summary>
public sealed class MqttSinkOptions : SinkOptions
{
    /// <summary>Broker host.</summary>
    [RequiredKey, Describe("add 'host:', for example host: mqtt.example.com")]
    public string Host { get; init; } = "";

    /// <summary>Broker port; default 1883, or 8883 with TLS.</summary>
    [Range(1, 65535)]
    public int? Port { get; init; }

    /// <summary>MQTT 3.1.1 or 5.</summary>
    public MqttVersion Protocol { get; init; } = MqttVersion.V500;

    /// <summary>Client id; default <c>facility-gateway-&lt;gateway id&gt;</c>.</summary>
    public string? ClientId { get; init; }

    /// <summary>User name (write ${MQTT_USER} or username_file:).</summary>
    public string? Username { get; init; }

    /// <summary>Password: from the environment (${MQTT_PASSWORD}) or a file (password_file:), never written in the YAML.</summary>
    public string? Password { get; init; }

    /// <summary>TLS settings; TLS is on when this section is present and enabled.</summary>
    public MqttTlsOptions? Tls { get; init; }

    /// <summary>First level of every topic.</summary>
    public string TopicPrefix { get; init; } = "facility";

    /// <summary>Most QoS 1 publications awaiting the broker's acknowledgement at once.</summary>
    [Range(1, 1000)]
    public int MaxInFlight { get; init; } = 32;

    /// <summary>A point unchanged (within its deadband) is published again after this long.</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Publish Home Assistant MQTT discovery so each point appears there as a sensor.</summary>
    public bool HomeAssistantDiscovery { get; init; }

    /// <summary>Discovery prefix Home Assistant listens on.</summary>
    public string HomeAssistantPrefix { get; init; } = "homeassistant";

    /// <summary>Keep-alive period.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>TLS for the broker connection.</summary>
public sealed class MqttTlsOptions : ConfigNode
{
    /// <summary>False to keep the section but connect in plain text.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>CA certificate (PEM) the broker's certificate must chain to; default: the system's trust store.</summary>
    [FilePath]
    public string? CaFile { get; init; }

    /// <summary>Client certificate (PEM) for brokers that require one.</summary>
    [FilePath]
    public string? ClientCertificate { get; init; }

    /// <summary>Private key (PEM) of the client certificate.</summary>
    [FilePath]
    public string? ClientKey { get; init; }

    /// <summary>Check that the broker's certificate names the host. Turn off only for a test bench.</summary>
    public bool CheckHostName { get; init; } = true;
}
