using FacilityGateway.Configuration;
using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Tests.Configuration;

/// <summary>What an installer gets when --config names the wrong thing.</summary>
public sealed class ConfigPathTests
{
    [Fact]
    public void AFolder_IsSaidToBeAFolder()
    {
        string folder = Directory.CreateTempSubdirectory("fg-config-").FullName;
        var ex = Assert.Throws<ConfigurationException>(() => FacilityGateway.Hosting.GatewayParts.Load(folder));
        var error = Assert.Single(ex.Errors);
        Assert.Equal("this is a folder, not a configuration file", error.Message);
        Directory.Delete(folder);
    }

    [Fact]
    public void AMissingFile_IsSaidToBeMissing_WithTheHintToCheckThePath()
    {
        var ex = Assert.Throws<ConfigurationException>(() => FacilityGateway.Hosting.GatewayParts.Load("/nonexistent/gateway.yaml"));
        var error = Assert.Single(ex.Errors);
        Assert.StartsWith("cannot read the file", error.Message, StringComparison.Ordinal);
        Assert.Equal("check the path given with --config", error.Hint);
    }
}
