using FacilityGateway.Configuration.Yaml;
using FacilityGateway.Readings;

namespace FacilityGateway.Configuration;

/// <summary>
/// What every device has, whatever its kind. A kind (modbus, and later gpio, ds18b20, ...) derives its own options
/// from this and registers them in <see cref="DeviceKinds"/>.
/// </summary>
public abstract class DeviceOptions : ConfigNode, IListEntry
{
    /// <summary>Unique id.</summary>
    [RequiredKey, Describe("add 'id:', for example id: main-meter")]
    public string Id { get; init; } = "";

    /// <summary>The kind of device; chooses which other keys are allowed.</summary>
    public string Kind { get; init; } = "modbus";

    /// <summary>The asset of the equipment register this device measures.</summary>
    [RequiredKey, Describe("add 'asset:' with the id of an entry under 'assets:'")]
    public string Asset { get; init; } = "";

    /// <summary>How often it is read.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>False to keep it in the file but not read it.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The points this device reports, for sinks (units, deadbands, discovery). Valid after validation.</summary>
    public abstract IEnumerable<PointInfo> DescribePoints();

    /// <summary>The <c>alarms:</c> written for this device's points, for the alarms' part to resolve. Valid after validation.</summary>
    public virtual IEnumerable<PointAlarms> DescribeAlarms() => [];
}
