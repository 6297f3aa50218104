using FacilityGateway.Configuration;
using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Hosting;

/// <summary>
/// The composition root of the configuration: each part adds its sections, kinds and checks, one line each, and this
/// is the only place that names them all.
/// </summary>
public static class GatewayParts
{
    /// <summary>Every part's registration.</summary>
    public static ConfigurationRegistry Registry { get; } = Create();

    private static ConfigurationRegistry Create()
    {
        var registry = new ConfigurationRegistry();
        Sources.SourceKinds.Register(registry);
        Alarms.AlarmsConfiguration.Register(registry);
        Maintenance.MaintenanceConfiguration.Register(registry);
        Tickets.TicketsConfiguration.Register(registry);
        Dashboard.DashboardConfiguration.Register(registry);
        Monitoring.MonitoringConfiguration.Register(registry);
        Commands.Writes.ControlConfiguration.Register(registry);
        Outbox.OutboxConfiguration.Register(registry);
        Sinks.SinkKinds.Register(registry);
        return registry;
    }

    /// <summary>Loads and validates a configuration with every part; throws <see cref="ConfigurationException"/> with every error.</summary>
    public static (GatewayConfig Config, IReadOnlyList<ConfigError> Warnings) Load(string path, Func<string, string?>? environment = null) =>
        ConfigurationLoader.Load(path, Registry, environment);

    /// <summary>Loads and validates, collecting findings into <paramref name="errors"/>; null when the root cannot be read at all.</summary>
    public static GatewayConfig? LoadUnchecked(string path, ConfigErrors errors, Func<string, string?> environment) =>
        ConfigurationLoader.LoadUnchecked(path, Registry, errors, environment);

    /// <summary>The JSON Schema of a root configuration file.</summary>
    public static System.Text.Json.Nodes.JsonObject Schema() => Configuration.Schema.ConfigurationSchema.Root(Registry);

    /// <summary>The JSON Schema of a device profile file.</summary>
    public static System.Text.Json.Nodes.JsonObject ProfileSchema() =>
        Configuration.Schema.ConfigurationSchema.Of(typeof(Sources.Modbus.Profiles.DeviceProfile), "FacilityGateway device profile", Registry);
}
