using FacilityGateway.Configuration;

namespace FacilityGateway.Tests.Configuration;

/// <summary>Mistakes that leave a configuration runnable but not doing what the installer meant: warnings with their line.</summary>
public sealed class InstallerWarningTests
{
    /// <summary>Loads a configuration from a temporary file and returns its warnings.</summary>
    private static IReadOnlyList<FacilityGateway.Configuration.Yaml.ConfigError> WarningsOf(string yaml)
    {
        string directory = Directory.CreateTempSubdirectory("fg-warn-").FullName;
        string path = Path.Combine(directory, "gateway.yaml");
        File.WriteAllText(path, yaml);
        var (_, warnings) = FacilityGateway.Hosting.GatewayParts.Load(path);
        Directory.Delete(directory, recursive: true);
        return warnings;
    }

    [Fact]
    public void AnUnusedLine_AndALimitOutsideThePointsRange_AreWarnedAbout()
    {
        var warnings = WarningsOf("""
            gateway: { id: gw, site: site }
            assets: [{ id: a, name: A, type: other }]
            lines:
              - { id: rs485, serial: { device: /dev/ttyUSB0, baud: 9600, parity: even } }
              - { id: spare, serial: { device: /dev/ttyUSB1, baud: 9600, parity: even } }
            devices:
              - id: m1
                asset: a
                line: rs485
                unit: 1
                points:
                  - { id: pressure, holding: 0, scale: 0.1, unit: bar, range: [0, 16], alarms: [{ type: high, limit: 60 }, { type: low, limit: 2 }] }
            """);
        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, w => w.Location.Line == 5 && w.Message == "line 'spare' has no devices: nothing will be polled on it");
        Assert.Contains(warnings, w => w.Location.Line == 12 && w.Message.StartsWith("the high limit 60 is outside the point's range [0, 16]", StringComparison.Ordinal));
    }
    [Fact]
    public void SupervisorPagedNoLaterThanTheSecondary_IsWarnedAbout()
    {
        var warnings = WarningsOf("""
            gateway: { id: gw, site: site }
            assets: [{ id: a, name: A, type: other }]
            on_call:
              primary: [sam]
              contacts: { sam: { phone: "+44 7700 900101" } }
              p1_secondary_after: 15m
              p1_supervisor_after: 10m
            """);
        var warning = Assert.Single(warnings);
        Assert.Equal(7, warning.Location.Line);
        Assert.Equal("p1_supervisor_after (10m) is not after p1_secondary_after (15m): the supervisor is paged together with the secondary", warning.Message);
    }
}
