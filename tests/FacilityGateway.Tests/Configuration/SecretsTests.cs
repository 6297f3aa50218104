using FacilityGateway.Configuration;
using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Tests.Configuration;

public class SecretsTests
{
    private static (GatewayConfig? Config, ConfigErrors Errors) Load(string yaml, Func<string, string?> environment, params (string Name, string Content)[] files)
    {
        string directory = Directory.CreateTempSubdirectory("fg-secrets-").FullName;
        foreach (var (name, content) in files)
            File.WriteAllText(Path.Combine(directory, name), content);
        string path = Path.Combine(directory, "gateway.yaml");
        File.WriteAllText(path, yaml);
        var errors = new ConfigErrors();
        var config = FacilityGateway.Hosting.GatewayParts.LoadUnchecked(path, errors, environment);
        Directory.Delete(directory, recursive: true);
        return (config, errors);
    }

    [Fact]
    public void EnvironmentVariable_IsSubstituted()
    {
        var (config, errors) = Load("gateway:\n  id: gw\n  site: ${SITE}\nlines: [{ id: l, tcp: { host: \"${HOST:-10.0.0.9}\", port: \"${PORT}\" } }]\n",
            name => name switch { "SITE" => "north-wing", "PORT" => "1502", _ => null });
        Assert.False(errors.HasErrors, string.Join('\n', errors.Items));
        Assert.Equal("north-wing", config!.Gateway.Site);
        Assert.Equal(("10.0.0.9", 1502), (config.Lines[0].Tcp!.Host, config.Lines[0].Tcp!.Port));
    }

    [Fact]
    public void FileKey_ReadsTheValueFromTheFile()
    {
        var (config, errors) = Load("gateway: { id: gw, site_file: site.txt }\n", _ => null, ("site.txt", "east-block\n"));
        Assert.False(errors.HasErrors, string.Join('\n', errors.Items));
        Assert.Equal("east-block", config!.Gateway.Site);
    }

    [Fact]
    public void FileKey_MissingFile_IsAFindingAtItsLine()
    {
        var (_, errors) = Load("gateway:\n  id: gw\n  site_file: /nonexistent/site.txt\n", _ => null);
        var error = Assert.Single(errors.Items);
        Assert.Equal(3, error.Location.Line);
        Assert.Contains("cannot read the secret file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SystemdCredential_OfTheSameName_IsUsed_WhenTheEnvironmentHasNone()
    {
        // LoadCredential=MQTT_PASSWORD:... puts the file in $CREDENTIALS_DIRECTORY, never in the environment.
        string credentials = Directory.CreateTempSubdirectory("fg-credentials-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(credentials, "SITE"), "滨江花园\n");
            var environment = (string name) => name == "CREDENTIALS_DIRECTORY" ? credentials : null;
            var (config, errors) = Load("gateway: { id: gw, site: \"${SITE}\" }\n", name => SecretLookup.Find(name, environment));
            Assert.False(errors.HasErrors, string.Join('\n', errors.Items));
            Assert.Equal("滨江花园", config!.Gateway.Site);
            Assert.Equal("from-env", SecretLookup.Find("SITE", name => name == "SITE" ? "from-env" : environment(name))); // the environment first
            Assert.Null(SecretLookup.Find("../SITE", environment)); // a name, never a path
        }
        finally
        {
            Directory.Delete(credentials, recursive: true);
        }
    }
}
