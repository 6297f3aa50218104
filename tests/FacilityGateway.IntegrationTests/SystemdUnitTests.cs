using System.Globalization;
using System.Text.RegularExpressions;
using FacilityGateway.IntegrationTests.Infrastructure;

namespace FacilityGateway.IntegrationTests;

/// <summary>The shipped systemd unit, checked by systemd's own tools (Debian's systemd-analyze).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class SystemdUnitTests
{
    private static readonly string Unit = RepositoryFiles.Path("config", "systemd", "facility-gateway.service");

    [Fact]
    public void ShippedUnitAndImage_SetEveryRuntimeSettingTheGatewayAppliesItself()
    {
        // The unit and the image save the re-execution by setting the same variables: a setting added to the gateway
        // and not to them would make them start a second time at every start, and run differently from the docs.
        string unit = File.ReadAllText(Unit);
        string dockerfile = File.ReadAllText(RepositoryFiles.Path("Dockerfile"));
        foreach (var (name, value) in FacilityGateway.Hosting.RuntimeSettings.Settings)
        {
            Assert.Contains($"Environment={name}={value}\n", unit, StringComparison.Ordinal);
            Assert.Matches($@"(ENV|\\\n) +{Regex.Escape(name)}={Regex.Escape(value)}( \\)?\n", dockerfile);
        }
    }

    [Fact]
    public async Task ShippedUnit_PassesSystemdAnalyzeVerify()
    {
        string analyze = PeerTools.Require("systemd-analyze", "systemd");
        // verify also checks that ExecStart's program exists: point it at a stand-in where the package puts it.
        string directory = Directory.CreateTempSubdirectory("fg-unit-").FullName;
        try
        {
            string program = Path.Combine(directory, "facility-gateway");
            await File.WriteAllTextAsync(program, "#!/bin/sh\n");
            File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            string unit = Path.Combine(directory, "facility-gateway.service");
            await File.WriteAllTextAsync(unit, (await File.ReadAllTextAsync(Unit)).Replace("/usr/lib/facility-gateway/facility-gateway", program, StringComparison.Ordinal));
            var (code, output) = await PeerProcess.RunAsync(TimeSpan.FromSeconds(60), analyze, "verify", unit);
            Assert.True(code == 0, output);
            Assert.DoesNotContain("facility-gateway.service:", output, StringComparison.Ordinal); // no finding about our unit
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task ShippedUnit_SystemdAnalyzeSecurity_ExposureAtMost2_AsTheInstallerGuideSays()
    {
        string analyze = PeerTools.Require("systemd-analyze", "systemd");
        var (_, output) = await PeerProcess.RunAsync(TimeSpan.FromSeconds(60), analyze, "security", "--offline=yes", "--no-pager", Unit);
        var match = Exposure().Match(output);
        Assert.True(match.Success, output);
        double exposure = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(exposure <= 2.0, $"exposure {exposure}\n{output}");
        string guide = await File.ReadAllTextAsync(RepositoryFiles.Path("docs", "INSTALLER-GUIDE.md"));
        Assert.Contains($"exposure {match.Groups[1].Value}", guide, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"Overall exposure level for facility-gateway\.service: (\d+\.\d)")]
    private static partial Regex Exposure();
}
