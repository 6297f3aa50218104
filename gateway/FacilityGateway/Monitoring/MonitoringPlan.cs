using FacilityGateway.Configuration;

namespace FacilityGateway.Monitoring;

/// <summary>Monitoring's slice of the configuration: its section, and how many devices the gateway watches (systemd's STATUS line).</summary>
public sealed record MonitoringPlan(MonitoringOptions Options, int Devices)
{
    /// <summary>The slice of <paramref name="config"/>.</summary>
    public static MonitoringPlan Of(GatewayConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new(config.Monitoring(), config.Devices.Count(d => d.Enabled));
    }
}
