using FacilityGateway.Configuration;
using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Cli;

/// <summary>Loads a configuration for a command and prints its findings the way installers read them.</summary>
internal static class ConfigurationReport
{
    /// <summary>The configuration, or null after printing every error (the caller exits with code 2).</summary>
    public static GatewayConfig? Load(string path, TextWriter error)
    {
        var errors = new ConfigErrors();
        var config = ConfigurationLoader.LoadUnchecked(path, errors, Environment.GetEnvironmentVariable);
        Print(errors.Items, error);
        return errors.HasErrors ? null : config;
    }

    public static void Print(IReadOnlyList<ConfigError> findings, TextWriter error)
    {
        foreach (var finding in findings)
            error.WriteLine(finding.ToString());
        int errorCount = findings.Count(f => f.Severity == ConfigSeverity.Error);
        if (errorCount > 0)
            error.WriteLine($"{errorCount} error(s), {findings.Count - errorCount} warning(s): the configuration was not accepted.");
    }
}
