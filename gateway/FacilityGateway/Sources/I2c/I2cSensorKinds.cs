using FacilityGateway.Configuration;

namespace FacilityGateway.Sources.I2c;

internal abstract class I2cSensorKind : IDeviceKind
{
    public abstract string Name { get; }
    public abstract DeviceOptions CreateOptions();
    protected abstract string MainPoint { get; }

    public void Validate(DeviceOptions options, ValidationContext context)
    {
        var sensor = (I2cSensorOptions)options;
        foreach (var other in context.Config.Devices.OfType<I2cSensorOptions>().TakeWhile(d => d != sensor))
            if (other.Bus == sensor.Bus && other.Address == sensor.Address && other.Driver == sensor.Driver && other is not Ads1115Options)
                context.Errors.Error(sensor.OriginOf("address"), sensor.PathOf("address"), $"address 0x{sensor.Address:X2} on bus {sensor.Bus} is already used by '{other.Id}'", "each chip has its own address; check its address pins");
        if (sensor is Ads1115Options ads && ads.RangeMax == ads.RangeMin)
            context.Errors.Error(ads.OriginOf("range_max"), ads.PathOf("range_max"), "range_max equals range_min", "give the transmitter's range, for example range_min: 0, range_max: 10");
    }
}

/// <summary><c>kind: ads1115</c>.</summary>
internal sealed class Ads1115Kind : I2cSensorKind
{
    public override string Name => "ads1115";
    public override DeviceOptions CreateOptions() => new Ads1115Options();
    protected override string MainPoint => "value";
}

/// <summary><c>kind: bme280</c>.</summary>
internal sealed class Bme280Kind : I2cSensorKind
{
    public override string Name => "bme280";
    public override DeviceOptions CreateOptions() => new Bme280Options();
    protected override string MainPoint => "temperature";
}
