using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Sources.Writes;

/// <summary>
/// <c>write:</c> of a point: the point may be set remotely, within these bounds, by these roles. Points are read-only
/// unless they say this; <c>control.read_only</c> refuses every write (commissioning).
/// </summary>
public sealed class PointWriteOptions : ConfigNode
{
    /// <summary>Lowest value that may be written, in the point's unit (after scale and offset).</summary>
    public double? Min { get; init; }

    /// <summary>Highest value that may be written.</summary>
    public double? Max { get; init; }

    /// <summary>The only values that may be written (a control word's commands: <c>[1150, 1151, 1278]</c>); instead of min and max.</summary>
    public IReadOnlyList<double>? Values { get; init; }

    /// <summary>Values must be a multiple of this from <c>min</c> (0.5 for a setpoint in half degrees); none: any.</summary>
    public double? Step { get; init; }

    /// <summary>Read the point back after writing and report what the device holds (on by default).</summary>
    public bool ReadBack { get; init; } = true;

    /// <summary>Who may write it: <c>technician</c>, <c>installer</c> (both by default).</summary>
    public IReadOnlyList<string> Roles { get; init; } = ["technician", "installer"];

    /// <summary>Shortest time between two writes of this point (a pump is not started ten times a minute).</summary>
    public TimeSpan MinInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Conditions under which a write is refused: an alarm active on another point.</summary>
    public IReadOnlyList<InterlockOptions> Interlocks { get; init; } = [];
}

/// <summary>A write is refused while an alarm of <see cref="Point"/> is active (or latched): no pump start during a leak.</summary>
public sealed class InterlockOptions : ConfigNode
{
    /// <summary>The point whose alarms hold the write, <c>device/point</c>.</summary>
    [RequiredKey, Describe("add 'point:', for example point: leak-panel/di0")]
    public string Point { get; init; } = "";

    /// <summary>What the refusal says.</summary>
    public string? Reason { get; init; }
}
