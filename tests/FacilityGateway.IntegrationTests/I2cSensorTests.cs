using FacilityGateway.Sources.Simulated;
using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Readings;
using FacilityGateway.Sources.I2c;
using Microsoft.Extensions.DependencyInjection;

namespace FacilityGateway.IntegrationTests;

/// <summary>ADS1115 and BME280 through Iot.Device.Bindings over simulated I2C devices holding datasheet register values, in the real host.</summary>
public sealed class I2cSensorTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private const string Config = """
        gateway: { id: gw, site: site }
        logging: { level: warning }
        assets:
          - { id: tank, name: Break tank, type: tank }
          - { id: plant-room, name: Plant room, type: sensor }
        devices:
          - { id: tank-level, kind: ads1115, driver: simulated, asset: tank, address: 0x48, channel: 0, shunt_ohms: 250, range_min: 0, range_max: 4, unit: m, interval: 100ms }
          - { id: room-climate, kind: bme280, driver: simulated, asset: plant-room, address: 0x76, interval: 100ms }
        """;

    [Theory]
    [InlineData(4.0, 0.0)]
    [InlineData(12.0, 2.0)]
    [InlineData(20.0, 4.0)]
    public async Task Ads1115_FourToTwentyMilliamps_ScaledToTheTransmittersRange(double milliamps, double metres)
    {
        await using var gateway = await GatewayUnderTest.StartAsync(Config);
        gateway.Services.GetRequiredService<SimulatedI2c>().Ads1115(1, 0x48).SetLoopCurrent(0, milliamps);
        await gateway.Recorder.WaitForAsync(b => b.Any(x => x.Batch.DeviceId == "tank-level" && Math.Abs(x.Batch.Readings[1].Value - milliamps) < 0.01), Wait, $"{milliamps} mA");
        var batch = gateway.Recorder.Batches.Select(b => b.Batch).Last(b => b.DeviceId == "tank-level");
        Assert.Equal(metres, batch.Readings[0].Value, 2); // 16-bit ADC at ±6.144 V: 0.19 mV steps
        Assert.Equal((Quality.Good, "m", "tank"), (batch.Readings[0].Quality, batch.Readings[0].Unit, batch.AssetId));
    }

    [Fact]
    public async Task Ads1115_TwoChannelsOfOneChip_EachReadsItsOwnInput_NotTheLastOpened()
    {
        // Regression: in continuous mode the chip kept converting the input set by the channel opened last, so a 12 mA
        // tank level on channel 0 read as the 4 mA of channel 1.
        const string secondChannel = "\n  - { id: flow-4-20, kind: ads1115, driver: simulated, asset: tank, address: 0x48, channel: 1, shunt_ohms: 250, range_min: 0, range_max: 100, unit: m³/h, interval: 100ms }\n";
        await using var gateway = await GatewayUnderTest.StartAsync(Config + secondChannel);
        var chip = gateway.Services.GetRequiredService<SimulatedI2c>().Ads1115(1, 0x48);
        chip.SetLoopCurrent(0, 12);
        chip.SetLoopCurrent(1, 4);
        await gateway.Recorder.WaitForAsync(b => b.Count(x => x.Batch.DeviceId == "flow-4-20" && Math.Abs(x.Batch.Readings[1].Value - 4) < 0.01) >= 3
            && b.Any(x => x.Batch.DeviceId == "tank-level" && Math.Abs(x.Batch.Readings[1].Value - 12) < 0.01), Wait, "both channels polled");
        var last = gateway.Recorder.Batches.Select(b => b.Batch).Where(b => b.DeviceId is "tank-level" or "flow-4-20").GroupBy(b => b.DeviceId).ToDictionary(g => g.Key, g => g.Last());
        Assert.Equal(12, last["tank-level"].Readings[1].Value, 1);
        Assert.Equal(2.0, last["tank-level"].Readings[0].Value, 2);
        Assert.Equal(4, last["flow-4-20"].Readings[1].Value, 1);
        Assert.Equal(0.0, last["flow-4-20"].Readings[0].Value, 2);
    }

    [Fact]
    public async Task Ads1115_WireBreak_IsBadQuality_NotZero()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(Config);
        gateway.Services.GetRequiredService<SimulatedI2c>().Ads1115(1, 0x48).SetLoopCurrent(0, 0.5);
        await gateway.Recorder.WaitForAsync(b => b.Any(x => x.Batch.DeviceId == "tank-level" && x.Batch.Readings[0].Quality == Quality.BadDeviceFailure), Wait, "a wire break");
    }

    [Fact]
    public async Task Bme280_DatasheetCompensationExample_Decodes()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(Config);
        await gateway.Recorder.WaitForDeviceAsync("room-climate", 2, Wait);
        var readings = gateway.Recorder.Latest("room-climate").Readings.ToDictionary(r => r.PointId);
        Assert.Equal(25.08, readings["temperature"].Value, 2);      // datasheet: adc_T 519888 -> 25.08 °C
        Assert.Equal(1006.53, readings["pressure"].Value, 1);       // datasheet: adc_P 415148 -> 100653.27 Pa
        Assert.InRange(readings["humidity"].Value, 0, 100);
        Assert.All(readings.Values, r => Assert.Equal(Quality.Good, r.Quality));
    }
}

/// <summary>DS18B20 probes (simulated 1-Wire) in the real host: values, the 85 °C power-on value, an unplugged probe.</summary>
public sealed class Ds18b20Tests
{
    [Fact]
    public async Task Ds18b20_ReportsTemperature_PowerOnValueIsBad_UnpluggedIsCommFailure()
    {
        await using var gateway = await GatewayUnderTest.StartAsync("""
            gateway: { id: gw, site: site }
            logging: { level: warning }
            assets: [{ id: tank, name: Hot water cylinder, type: tank }]
            devices:
              - { id: cylinder-top, kind: ds18b20, driver: simulated, asset: tank, sensor: 28-0316a2795eff, interval: 100ms, alarms: [{ type: low, limit: 50, priority: P2, message: Legionella risk }] }
            """);
        var wire = gateway.Services.GetRequiredService<FacilityGateway.Sources.Simulated.SimulatedOneWire>();
        wire.Set("28-0316a2795eff", 61.25);
        var wait = TimeSpan.FromSeconds(30);
        await gateway.Recorder.WaitForAsync(b => b.Any(x => x.Batch.DeviceId == "cylinder-top" && x.Batch.Readings[0].Value == 61.25), wait, "61.25 °C");
        wire.Set("28-0316a2795eff", 85.0);
        await gateway.Recorder.WaitForAsync(b => b.Any(x => x.Batch.DeviceId == "cylinder-top" && x.Batch.Readings[0].Quality == Quality.BadDecodeError), wait, "the power-on value refused");
        wire.Unplug("28-0316a2795eff");
        await gateway.Recorder.WaitForAsync(b => b.Any(x => x.Batch.DeviceId == "cylinder-top" && x.Batch.Readings[0].Quality == Quality.BadCommFailure), wait, "the unplugged probe");
    }
}
