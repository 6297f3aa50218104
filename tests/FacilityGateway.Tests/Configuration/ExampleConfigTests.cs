using FacilityGateway.Cli;
using FacilityGateway.Configuration;
using FacilityGateway.Configuration.Yaml;
using FacilityGateway.Modbus.Codec;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Sources.Modbus;

namespace FacilityGateway.Tests.Configuration;

public class ExampleConfigTests
{
    [Fact]
    public async Task ExampleConfig_Validates_AndShowsThePlan()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await GatewayCommands.InvokeAsync(["validate", "--config", RepositoryPaths.Config("example.yaml")], output, error);
        Assert.True(code == 0, error.ToString());
        string text = output.ToString();
        Assert.Contains("configuration OK", text, StringComparison.Ordinal);
        Assert.Contains("bus time per cycle", text, StringComparison.Ordinal);
        Assert.Contains("holding  start  2999 count   34", text, StringComparison.Ordinal);
        // ... and the alarms it will watch, with the equipment rules of the register.
        Assert.Contains("dry_run: running and cold-water-meter/flow_rate < 0.5 or booster-pump-1-drive/output_power < 0.8, 30s after a start", text, StringComparison.Ordinal);
        Assert.Contains("maintenance every 180d, last done at 2026-08-14: Check pressure vessel pre-charge (P4)", text, StringComparison.Ordinal);
        Assert.Contains("lighting_schedule: lighting-submeter/current_l1 above 0.3 is lit; 2 window(s) in Europe/London", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ExampleConfig_ResolvesProfilesIncludesAndOverrides()
    {
        var (config, warnings) = FacilityGateway.Hosting.GatewayParts.Load(RepositoryPaths.Config("example.yaml"));
        Assert.Empty(warnings);
        Assert.Equal(2, config.Files.Count);
        Assert.Equal(5, config.Assets.Count);
        var meter = config.Devices.OfType<ModbusDeviceOptions>().Single(d => d.Id == "main-meter");
        Assert.DoesNotContain(meter.ResolvedPoints, p => p.Id == "power_factor_l1");
        var power = meter.ResolvedPoints.Single(p => p.Id == "power_total");
        Assert.Equal((ModbusTable.InputRegisters, (ushort)52, ModbusDataType.Float32, "W"), (power.Table, power.Address, power.Format.Type, power.Unit));
        var water = config.Devices.OfType<ModbusDeviceOptions>().Single(d => d.Id == "cold-water-meter");
        Assert.Equal("L/s", water.ResolvedPoints.Single(p => p.Id == "flow_rate").Unit);
        var submeter = config.Devices.OfType<ModbusDeviceOptions>().Single(d => d.Id == "lighting-submeter");
        Assert.Equal((ushort)2999, submeter.ResolvedPoints.Single(p => p.Id == "current_l1").Address);
        Assert.Contains(submeter.ResolvedPoints, p => p.Id == "run_hours");
    }

    [Fact]
    public void EveryShippedProfile_LoadsWithoutFindings()
    {
        foreach (var file in Directory.EnumerateFiles(RepositoryPaths.Config("profiles"), "*.yaml"))
        {
            string id = Path.GetFileNameWithoutExtension(file);
            string yaml = $$"""
                gateway: { id: gw, site: s }
                assets: [{ id: a, name: A, type: meter }]
                profiles_directory: {{RepositoryPaths.Config("profiles")}}
                devices: [{ id: d, asset: a, endpoint: "tcp://127.0.0.1:502", unit: 1, profile: {{id}} }]
                """;
            string path = Path.Combine(Path.GetTempPath(), $"fg-profile-{id}-{Guid.NewGuid():N}.yaml");
            File.WriteAllText(path, yaml);
            try
            {
                var errors = new ConfigErrors();
                var config = FacilityGateway.Hosting.GatewayParts.LoadUnchecked(path, errors, _ => null);
                Assert.True(errors.Items.Count == 0, $"{id}: {string.Join('\n', errors.Items)}");
                Assert.NotEmpty(config!.Devices.OfType<ModbusDeviceOptions>().Single().ResolvedPoints);
            }
            finally
            {
                File.Delete(path);
            }
        }
    }

    [Theory]
    [InlineData(40001, ModbusTable.HoldingRegisters, 0)]
    [InlineData(400001, ModbusTable.HoldingRegisters, 0)]
    [InlineData(43000, ModbusTable.HoldingRegisters, 2999)]
    [InlineData(465536, ModbusTable.HoldingRegisters, 65535)]
    [InlineData(30073, ModbusTable.InputRegisters, 72)]
    [InlineData(10001, ModbusTable.DiscreteInputs, 0)]
    [InlineData(1, ModbusTable.Coils, 0)]
    public void RegisterNotation_IsOneBased_WithTableDigit(int register, ModbusTable table, int address)
    {
        Assert.True(ModbusDeviceKind.TryParseRegisterNotation(register, out var t, out int a, out string error), error);
        Assert.Equal((table, address), (t, a));
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("1s", 1000)]
    [InlineData("1.5s", 1500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    public void Durations_ParseInstallerNotation(string text, double milliseconds)
    {
        Assert.True(Durations.TryParse(text, out var value, out _));
        Assert.Equal(milliseconds, value.TotalMilliseconds);
    }
}
