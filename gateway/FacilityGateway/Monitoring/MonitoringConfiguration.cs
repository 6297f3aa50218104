using FacilityGateway.Configuration;

namespace FacilityGateway.Monitoring;

/// <summary>Monitoring's part of the configuration: <c>monitoring:</c> and its check.</summary>
public static class MonitoringConfiguration
{
    /// <summary>Adds <c>monitoring:</c>.</summary>
    public static void Register(ConfigurationRegistry registry) => registry
        .AddSection<MonitoringOptions>("monitoring")
        .AddCheck(context => ListenAddress.Check(context, context.Config.Monitoring(), "listen", context.Config.Monitoring().Listen, "127.0.0.1:9464"));

    /// <summary>Metrics and health endpoints (off unless enabled).</summary>
    public static MonitoringOptions Monitoring(this GatewayConfig config) => config.Section<MonitoringOptions>();
}
