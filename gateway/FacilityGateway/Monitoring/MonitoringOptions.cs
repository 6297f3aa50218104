using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Monitoring;

/// <summary>
/// <c>monitoring:</c>: Prometheus <c>/metrics</c>, <c>/healthz</c> (the pipeline moves) and <c>/readyz</c> (the
/// configuration is loaded, the outbox open, every service started). Off by default; on this machine only unless
/// <c>listen</c> says otherwise.
/// </summary>
public sealed class MonitoringOptions : ConfigNode
{
    /// <summary>Serve <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c>.</summary>
    public bool Enabled { get; init; }

    /// <summary>Address and port, <c>host:port</c> (9464 is the port OpenTelemetry's Prometheus exporter uses); port 0 for any free one.</summary>
    public string Listen { get; init; } = "127.0.0.1:9464";
}
