namespace FacilityGateway.Sinks.Mqtt;

/// <summary>
/// The topic scheme (docs/MQTT.md): everything under <c>{prefix}/{site}/{gateway}/</c>.
/// <list type="bullet">
/// <item><c>status</c>: retained <c>online</c>, or <c>offline</c> (last will and clean stop)</item>
/// <item><c>telemetry/{device}</c>: one message per device poll, QoS 1</item>
/// <item><c>tickets/{ticket}</c> (retained), <c>events</c>, <c>digests</c>, <c>commands/#</c>: tickets and actions</item>
/// </list>
/// </summary>
public sealed class MqttTopics(string prefix, string site, string gateway)
{
    /// <summary>The root of this gateway's topics.</summary>
    public string Root { get; } = $"{prefix}/{site}/{gateway}";

    /// <summary>Retained online/offline.</summary>
    public string Status => $"{Root}/status";

    /// <summary>Retained current state of a ticket.</summary>
    public string Ticket(string id) => $"{Root}/tickets/{id}";

    /// <summary>Every ticket event, in order.</summary>
    public string Events => $"{Root}/events";

    /// <summary>Digests of the notifications held during a flood.</summary>
    public string Digests => $"{Root}/digests";

    /// <summary>Commands from technicians: <c>commands/ack</c>, <c>commands/resolve</c>, ...</summary>
    public string Commands => $"{Root}/commands/#";

    /// <summary>Telemetry of a device.</summary>
    public string Telemetry(string device) => $"{Root}/telemetry/{device}";
}
