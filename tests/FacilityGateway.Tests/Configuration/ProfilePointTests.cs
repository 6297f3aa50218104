using FacilityGateway.Alarms;
using FacilityGateway.Configuration;
using FacilityGateway.Modbus.Codec;
using FacilityGateway.Sources.Modbus;

namespace FacilityGateway.Tests.Configuration;

/// <summary>Changing a profile's points for one device: what the device says wins, what it does not say stays the profile's.</summary>
public sealed class ProfilePointTests
{
    /// <summary>A configuration of one device using the shipped profiles, in a temporary file; the caller deletes its folder.</summary>
    private static string Write(string device)
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("fg-profile-").FullName, "gateway.yaml");
        File.WriteAllText(path, $"""
            gateway: {"{"} id: gw, site: site {"}"}
            profiles_directory: {RepositoryPaths.Config("profiles")}
            assets: [{"{"} id: incomer, name: Incomer, type: meter {"}"}]
            devices:
            {device}
            """);
        return path;
    }

    private static (ModbusDeviceOptions Device, IReadOnlyList<AlarmRule> Rules) Load(string device)
    {
        string path = Write(device);
        try
        {
            var config = FacilityGateway.Hosting.GatewayParts.Load(path).Config;
            var only = (ModbusDeviceOptions)config.Devices.Single();
            return (only, config.AlarmRules().PointRulesOf(only.Id));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public void ProfilePointRedefinedWithARegister_KeepsTheProfilesFloat32Type_InsteadOfReadingTheHighWordAsAnInteger()
    {
        // Regression: power_total redefined with register: 30053 to add an alarm lost the profile's defaults and read
        // the float's high word as a uint16 (17,765 W for 3,664 W), and alarmed on that.
        var (meter, rules) = Load("""
              - { id: meter, asset: incomer, endpoint: "tcp://127.0.0.1:502", unit: 1, profile: eastron-sdm630, points: [{ id: power_total, register: 30053, alarms: [{ type: high, limit: 5000 }] }] }
            """);
        var power = meter.ResolvedPoints.Single(p => p.Id == "power_total");
        Assert.Equal(ModbusDataType.Float32, power.Format.Type);
        Assert.Equal(("W", 10.0, "Total system power"), (power.Unit, power.Deadband, power.Name));
        Assert.Contains(rules, r => r.PointId == "power_total" && r.Limit == 5000);
    }

    [Fact]
    public void AlarmsOnAProfilePoint_NeedOnlyItsId()
    {
        var (meter, rules) = Load("""
              - { id: meter, asset: incomer, endpoint: "tcp://127.0.0.1:502", unit: 1, profile: eastron-sdm630, points: [{ id: power_total, alarms: [{ type: high, limit: 5000 }] }] }
            """);
        var power = meter.ResolvedPoints.Single(p => p.Id == "power_total");
        Assert.Equal((FacilityGateway.Modbus.Protocol.ModbusTable.InputRegisters, (ushort)52, ModbusDataType.Float32), (power.Table, power.Address, power.Format.Type));
        Assert.Contains(rules, r => r.PointId == "power_total" && r.Limit == 5000);
        Assert.Equal(1, meter.ResolvedPoints.Count(p => p.Id == "power_total"));
    }

    [Fact]
    public void RescaleToAnotherUnit_MovesTheProfilesDeadbandAndRangeIntoIt()
    {
        // Regression: flow_rate rescaled to L/s kept the profile's deadband (0.05) and range (±1000) in m³/h.
        var (meter, rules) = Load("""
              - { id: water, asset: incomer, endpoint: "tcp://127.0.0.1:502", unit: 1, profile: onicon-f3100, overrides: { rescale: { flow_rate: { unit: L/s, scale: 1 } } } }
            """);
        var flow = meter.ResolvedPoints.Single(p => p.Id == "flow_rate");
        Assert.Equal("L/s", flow.Unit);
        Assert.Equal(0.05 / 3.6, flow.Deadband, 9);
        Assert.Equal(-1000 / 3.6, flow.Minimum!.Value, 9);
        Assert.Equal(1000 / 3.6, flow.Maximum!.Value, 9);
    }

    [Fact]
    public void RescaleToAUnitWithNoKnownFactor_AsksForTheLimitsInIt()
    {
        string path = Write("""
              - { id: water, asset: incomer, endpoint: "tcp://127.0.0.1:502", unit: 1, profile: onicon-f3100, overrides: { rescale: { flow_rate: { unit: gal/min } } } }
            """);
        var error = Assert.Throws<FacilityGateway.Configuration.Yaml.ConfigurationException>(() => FacilityGateway.Hosting.GatewayParts.Load(path));
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        Assert.Contains(error.Errors, e => e.Message.Contains("no factor from m3/h to gal/min", StringComparison.Ordinal) && e.Location.Line == 5);
    }
}
