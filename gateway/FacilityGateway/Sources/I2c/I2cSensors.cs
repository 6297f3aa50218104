using System.Device.I2c;
using FacilityGateway.Readings;
using Iot.Device.Ads1115;
using Iot.Device.Bmxx80;
using Iot.Device.Bmxx80.PowerMode;

namespace FacilityGateway.Sources.I2c;

/// <summary>One I2C chip read through Iot.Device.Bindings; its reads are blocking transfers (the bus thread's).</summary>
internal abstract class I2cSensor(I2cSensorOptions options, I2cDevice device) : IDisposable
{
    public I2cSensorOptions Options => options;
    public I2cDevice Device => device;
    public abstract List<Reading> Read(DateTimeOffset now);
    public virtual void Dispose() => device.Dispose();
}

internal sealed class Ads1115Sensor(Ads1115Options options, I2cDevice device) : I2cSensor(options, device)
{
    // Several channels of one chip are several devices in YAML: each read selects its own input and converts once
    // (single-shot). In continuous mode the chip kept converting the input set last, so every channel read the
    // channel opened last (12 mA read as 4 mA).
    private readonly InputMultiplexer _input = (InputMultiplexer)(4 + options.Channel);
    private readonly Ads1115 _adc = new(device, (InputMultiplexer)(4 + options.Channel), MeasuringRange.FS6144, DataRate.SPS128, DeviceMode.PowerDown);

    public override List<Reading> Read(DateTimeOffset now)
    {
        double volts = _adc.ReadVoltage(_input).Volts;
        double milliamps = volts / options.ShuntOhms * 1000;
        var (value, quality) = LoopScaling.Scale(milliamps, options.RangeMin, options.RangeMax, options.WireBreakBelowMilliamps);
        return
        [
            new Reading(options.Id, "value", value, null, options.Unit, quality, now),
            new Reading(options.Id, "current", milliamps, null, "mA", Quality.Good, now),
        ];
    }

    public override void Dispose()
    {
        _adc.Dispose();
        base.Dispose();
    }
}

internal sealed class Bme280Sensor(Bme280Options options, I2cDevice device) : I2cSensor(options, device)
{
    private readonly Bme280 _sensor = Create(device);

    private static Bme280 Create(I2cDevice device)
    {
        var sensor = new Bme280(device) { TemperatureSampling = Sampling.UltraLowPower, PressureSampling = Sampling.UltraLowPower, HumiditySampling = Sampling.UltraLowPower };
        sensor.SetPowerMode(Bmx280PowerMode.Normal);
        return sensor;
    }

    public override List<Reading> Read(DateTimeOffset now)
    {
        var result = _sensor.Read();
        return
        [
            Value("temperature", result.Temperature?.DegreesCelsius, "°C", now),
            Value("humidity", result.Humidity?.Percent, "%", now),
            Value("pressure", result.Pressure?.Hectopascals, "hPa", now),
        ];
    }

    private Reading Value(string point, double? value, string unit, DateTimeOffset now) =>
        value is { } v && double.IsFinite(v) ? new Reading(options.Id, point, v, null, unit, Quality.Good, now) : Reading.Bad(options.Id, point, unit, Quality.BadDecodeError, now);

    public override void Dispose()
    {
        _sensor.Dispose();
        base.Dispose();
    }
}
