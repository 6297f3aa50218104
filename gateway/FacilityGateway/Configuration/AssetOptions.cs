using YamlDotNet.RepresentationModel;
using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Configuration;

/// <summary>Kinds of equipment in the register.</summary>
public enum AssetType { Pump, Meter, LightingCircuit, LeakZone, Tank, Fan, Boiler, Chiller, Valve, Sensor, Other }

/// <summary>One entry of the equipment register: what it is, where it is, who looks after it.</summary>
public sealed class AssetOptions : ConfigNode
{
    /// <summary>Unique id, referred to by devices.</summary>
    [RequiredKey, Describe("add 'id:', for example id: booster-pump-1")]
    public string Id { get; init; } = "";

    /// <summary>Name people use.</summary>
    [RequiredKey, Describe("add 'name:', for example name: Booster pump 1")]
    public string Name { get; init; } = "";

    /// <summary>What kind of equipment it is.</summary>
    [RequiredKey, Describe("add 'type:' (pump, meter, lighting_circuit, leak_zone, tank, fan, boiler, chiller, valve, sensor, other)")]
    public AssetType Type { get; init; }

    /// <summary>Manufacturer.</summary>
    public string? Manufacturer { get; init; }

    /// <summary>Model.</summary>
    public string? Model { get; init; }

    /// <summary>Serial number.</summary>
    public string? Serial { get; init; }

    /// <summary>Where it is.</summary>
    public AssetLocation Location { get; init; } = new();

    /// <summary>Date of installation.</summary>
    public DateOnly? Installed { get; init; }

    /// <summary>Responsible team.</summary>
    public string? Team { get; init; }

    /// <summary>How to reach the team.</summary>
    public string? Contact { get; init; }

    /// <summary>Maintenance plan.</summary>
    public IReadOnlyList<MaintenanceTask> Maintenance { get; init; } = [];

    /// <summary>
    /// The run signal, <c>device/point</c> (non-zero is running): run hours and starts are counted from it, and
    /// maintenance by run hours or starts and the dry_run rule need it.
    /// </summary>
    public string? Running { get; init; }

    /// <summary>Run hours the equipment already had when the gateway started counting (from its hour meter or drive).</summary>
    [Range(0, 10_000_000)]
    public double? InitialRunHours { get; init; }

    /// <summary>Starts the equipment already had when the gateway started counting.</summary>
    [Range(0, 1_000_000_000)]
    public long? InitialStarts { get; init; }

    /// <summary>Equipment rules over more than one point or a schedule (dry_run, lighting_schedule), bound by the alarms' part.</summary>
    public YamlNode? Rules { get; init; }
}

/// <summary>Building, floor and room.</summary>
public sealed class AssetLocation : ConfigNode
{
    /// <summary>Building.</summary>
    public string? Building { get; init; }
    /// <summary>Floor or level.</summary>
    public string? Floor { get; init; }
    /// <summary>Room.</summary>
    public string? Room { get; init; }

    /// <inheritdoc />
    public override string ToString() => string.Join(" / ", new[] { Building, Floor, Room }.Where(s => !string.IsNullOrEmpty(s)));
}

/// <summary>One task of a maintenance plan, due by run-hours, starts or calendar time.</summary>
public sealed class MaintenanceTask : ConfigNode
{
    /// <summary>What to do.</summary>
    [RequiredKey, Describe("add 'task:', for example task: Replace mechanical seal")]
    public string Task { get; init; } = "";

    /// <summary>Due every N hours of running.</summary>
    [Range(1, 1_000_000)]
    public double? EveryRunHours { get; init; }

    /// <summary>Due every N starts.</summary>
    [Range(1, 100_000_000)]
    public long? EveryStarts { get; init; }

    /// <summary>Due every calendar period: from <see cref="LastDone"/> when given, else from when the gateway first saw the task.</summary>
    public TimeSpan? Every { get; init; }

    /// <summary>
    /// The day the task was last done before the gateway kept the history (midnight at the site): the calendar interval
    /// counts from it. A task that is overdue by it opens its ticket at once. Changing it later starts the count afresh.
    /// </summary>
    public DateOnly? LastDone { get; init; }

    /// <summary>The run hours at which the task was last done: the run-hours interval counts from there.</summary>
    [Range(0, 10_000_000)]
    public double? LastDoneRunHours { get; init; }

    /// <summary>The starts at which the task was last done: the starts interval counts from there.</summary>
    [Range(0, 1_000_000_000)]
    public long? LastDoneStarts { get; init; }
}
