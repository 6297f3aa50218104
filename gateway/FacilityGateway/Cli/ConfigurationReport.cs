using FacilityGateway.Configuration;
using FacilityGateway.Outbox;
using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Cli;

/// <summary>Loads a configuration for a command and prints its findings the way installers read them.</summary>
internal static class ConfigurationReport
{
    /// <summary>The configuration, or null after printing every error (the caller exits with code 2).</summary>
    public static GatewayConfig? Load(string path, TextWriter error)
    {
        var errors = new ConfigErrors();
        var config = Hosting.GatewayParts.LoadUnchecked(path, errors, Configuration.SecretLookup.Find);
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

    /// <summary>
    /// The gateway's outbox file opened read-only beside a running gateway (WAL), or null after saying the gateway has
    /// not run with this configuration yet.
    /// </summary>
    public static Microsoft.Data.Sqlite.SqliteConnection? OpenOutboxReadOnly(GatewayConfig config, TextWriter output, string nothingYet)
    {
        string path = config.Outbox().FullPath(config.Gateway.DataDirectory);
        if (!File.Exists(path))
        {
            output.WriteLine($"{nothingYet} (the gateway has not run with this configuration yet)");
            return null;
        }
        var connection = new Microsoft.Data.Sqlite.SqliteConnection(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder
            { DataSource = path, Mode = Microsoft.Data.Sqlite.SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }
}
