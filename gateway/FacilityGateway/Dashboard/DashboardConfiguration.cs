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
        ListenAddress.Check(context, dashboard, "listen", dashboard.Listen, "127.0.0.1:8080");
        if (dashboard.Tls is { } tls)
            foreach (var (key, file) in new[] { ("certificate_file", tls.CertificateFile), ("key_file", tls.KeyFile) })
                if (file.Length > 0 && !File.Exists(file))
                    context.Errors.Error(tls.OriginOf(key), tls.PathOf(key), $"'{file}' does not exist", "the PEM file of the dashboard's certificate or its key");
        if (dashboard.PasswordsFile is { Length: > 0 } passwords && !File.Exists(passwords))
            context.Errors.Error(dashboard.OriginOf("passwords_file"), dashboard.PathOf("passwords_file"), $"'{passwords}' does not exist",
                "create it with: facility-gateway dashboard password PERSON >> " + passwords);
    }
}
