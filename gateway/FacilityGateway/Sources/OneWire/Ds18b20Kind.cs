using FacilityGateway.Configuration;

namespace FacilityGateway.Sources.OneWire;

/// <summary><c>kind: ds18b20</c>.</summary>
internal sealed class Ds18b20Kind : IDeviceKind
{
    public string Name => "ds18b20";

    public DeviceOptions CreateOptions() => new Ds18b20Options();

    public void Validate(DeviceOptions options, ValidationContext context)
    {
        var probe = (Ds18b20Options)options;
        if (probe.Sensor.Length > 0 && !probe.Sensor.StartsWith("28-", StringComparison.Ordinal))
            context.Errors.Error(probe.OriginOf("sensor"), probe.PathOf("sensor"), $"'{probe.Sensor}' is not a DS18B20 id", "DS18B20 ids start with 28- (ls /sys/bus/w1/devices)");
    }
}
