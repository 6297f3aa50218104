using FacilityGateway.Configuration;

namespace FacilityGateway.Sinks;

/// <summary>The sink kinds: a new sink is a folder under <c>Sinks/</c> with its kind, options and README, and one line here.</summary>
public static class SinkKinds
{
    /// <summary>The key of the list in YAML.</summary>
    public const string Key = "sinks";

    private static readonly Dictionary<string, ISinkKind> Registered = new ISinkKind[]
    {
        new Mqtt.MqttSinkKind(),
        new Influx.InfluxSinkKind(),
        new Webhook.WebhookSinkKind(),
    }.ToDictionary(k => k.Name, StringComparer.Ordinal);

    /// <summary>All kinds by name.</summary>
    public static IReadOnlyDictionary<string, ISinkKind> All => Registered;

    /// <summary>Adds <c>sinks:</c> and its kinds to the configuration.</summary>
    public static void Register(ConfigurationRegistry registry)
    {
        registry.AddList(Key, "Where telemetry goes; kind chooses the keys.");
        foreach (var kind in Registered.Values)
            registry.AddKind(Key, kind);
    }

    /// <summary>The configured sinks, in file order.</summary>
    public static IReadOnlyList<SinkOptions> Sinks(this GatewayConfig config) => config.Entries<SinkOptions>(Key);
}
