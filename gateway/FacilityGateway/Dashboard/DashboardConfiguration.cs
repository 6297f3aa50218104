using FacilityGateway.Configuration;

namespace FacilityGateway.Dashboard;

/// <summary>The dashboard's part of the configuration: <c>dashboard:</c> and its checks.</summary>
public static class DashboardConfiguration
{
    /// <summary>Adds <c>dashboard:</c>.</summary>
    public static void Register(ConfigurationRegistry registry) => registry
        .AddSection<DashboardOptions>("dashboard")
        .AddCheck(Check);

    /// <summary>The live dashboard (off unless enabled).</summary>
    public static DashboardOptions Dashboard(this GatewayConfig config) => config.Section<DashboardOptions>();

    private static void Check(ValidationContext context)
    {
        var dashboard = context.Config.Dashboard();
        int colon = dashboard.Listen.LastIndexOf(':');
        if (colon <= 0 || !ushort.TryParse(dashboard.Listen[(colon + 1)..], out _))
            context.Errors.Error(dashboard.OriginOf("listen"), dashboard.PathOf("listen"), $"'{dashboard.Listen}' is not host:port",
                "for example listen: 0.0.0.0:8080 (the building's network) or 127.0.0.1:8080 (this machine only)");
    }
}
