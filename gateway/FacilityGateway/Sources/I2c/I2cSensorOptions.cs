using FacilityGateway.Configuration;
using FacilityGateway.Configuration.Yaml;
using YamlDotNet.RepresentationModel;
using FacilityGateway.Readings;

namespace FacilityGateway.Sources.I2c;

/// <summary>Which I2C access: the Linux bus (/dev/i2c-N) or simulated devices (no hardware).</summary>
public enum I2cDriverKind { Linux, Simulated }

/// <summary>What every I2C sensor has: bus and address.</summary>
public abstract class I2cSensorOptions : DeviceOptions
{
    /// <summary>The bus access.</summary>
    public I2cDriverKind Driver { get; init; } = I2cDriverKind.Linux;

    /// <summary>Bus number: 1 on a Raspberry Pi's header (/dev/i2c-1).</summary>
    [Range(0, 31)]
    public int Bus { get; init; } = 1;

    /// <summary>7-bit address.</summary>
    [RequiredKey, Describe("add 'address:', for example address: 0x48")]
    [Range(0x03, 0x77)]
    public int Address { get; init; }

    /// <summary>Alarm rules of the sensor's main point.</summary>
    public YamlNode? Alarms { get; init; }

    /// <summary>The <c>alarms:</c> are the main point's (the first).</summary>
    public override IEnumerable<PointAlarms> DescribeAlarms() => Alarms is null ? [] : [new(DescribePoints().First(), Alarms, this)];
}

/// <summary>
/// <c>kind: ads1115</c>: one channel of a TI ADS1115 ADC reading a 4-20 mA transmitter across a shunt resistor,
/// scaled to engineering units. Below <see cref="WireBreakBelowMilliamps"/> the loop is broken: the reading is bad,
/// never "0 bar".
/// </summary>
public sealed class Ads1115Options : I2cSensorOptions
{
    /// <summary>Single-ended input 0-3.</summary>
    [Range(0, 3)]
    public int Channel { get; init; }

    /// <summary>Shunt resistor in ohms (250 Ω turns 4-20 mA into 1-5 V).</summary>
    [Range(1, 10_000)]
    public double ShuntOhms { get; init; } = 250;

    /// <summary>Engineering value at 4 mA.</summary>
    public double RangeMin { get; init; }

    /// <summary>Engineering value at 20 mA.</summary>
    [RequiredKey, Describe("add 'range_max:', the value at 20 mA, for example range_max: 10 for a 0-10 bar transmitter")]
    public double RangeMax { get; init; }

    /// <summary>Engineering unit, such as bar or m.</summary>
    public string Unit { get; init; } = "";

    /// <summary>Loop current under which the wire counts as broken.</summary>
    public double WireBreakBelowMilliamps { get; init; } = 3.6;

    public override IEnumerable<PointInfo> DescribePoints() => [new("value", null, Unit, 0), new("current", "Loop current", "mA", 0.05), .. Readings.DeviceHealth.Points];
}

/// <summary><c>kind: bme280</c>: Bosch BME280 temperature, humidity and pressure sensor.</summary>
public sealed class Bme280Options : I2cSensorOptions
{
    public override IEnumerable<PointInfo> DescribePoints() =>
        [new("temperature", "Temperature", "°C", 0.1), new("humidity", "Relative humidity", "%", 0.5), new("pressure", "Pressure", "hPa", 0.1), .. Readings.DeviceHealth.Points];
}
