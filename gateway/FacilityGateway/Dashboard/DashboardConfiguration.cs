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

    private static void Check(ValidationContext context) =>
        ListenAddress.Check(context, context.Config.Dashboard(), "listen", context.Config.Dashboard().Listen, "127.0.0.1:8080");
}
