using FacilityGateway.Configuration;
using FacilityGateway.Configuration.Yaml;
using FacilityGateway.Readings;
using YamlDotNet.RepresentationModel;

namespace FacilityGateway.Sources.OneWire;

/// <summary>Which 1-Wire access: the Linux w1 driver's sysfs, or simulated sensors.</summary>
public enum OneWireDriverKind { Linux, Simulated }

/// <summary><c>kind: ds18b20</c>: a Maxim DS18B20 temperature probe on the 1-Wire bus (w1-gpio overlay).</summary>
public sealed class Ds18b20Options : DeviceOptions
{
    /// <summary>The access.</summary>
    public OneWireDriverKind Driver { get; init; } = OneWireDriverKind.Linux;

    /// <summary>The bus, such as w1_bus_master1.</summary>
    public string Bus { get; init; } = "w1_bus_master1";

    /// <summary>The probe's id from /sys/bus/w1/devices, such as 28-0316a2795eff.</summary>
    [RequiredKey, Describe("add 'sensor:' with the probe's id from /sys/bus/w1/devices, for example sensor: 28-0316a2795eff")]
    public string Sensor { get; init; } = "";

    /// <summary>Alarm rules of the temperature.</summary>
    public YamlNode? Alarms { get; init; }

    public override IEnumerable<PointInfo> DescribePoints() => [new("temperature", "Temperature", "°C", 0.1, -55, 125), .. Readings.DeviceHealth.Points];

    /// <summary>The <c>alarms:</c> are the temperature's.</summary>
    public override IEnumerable<PointAlarms> DescribeAlarms() => Alarms is null ? [] : [new(DescribePoints().First(), Alarms, this)];
}
