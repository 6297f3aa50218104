using FacilityGateway.Configuration.Yaml;
using FacilityGateway.Tickets;

namespace FacilityGateway.Alarms.Equipment;

/// <summary>Rules of an asset that look at more than one point, or at a schedule.</summary>
public enum EquipmentRuleType
{
    /// <summary>A pump running without flow or with low power, after an ignore window from its start.</summary>
    DryRun,
    /// <summary>A lighting circuit dark during its schedule (no current), or lit outside it.</summary>
    LightingSchedule,
}

/// <summary>One rule under an asset's <c>rules:</c> key (docs/ALARM-RULES.md).</summary>
public sealed class EquipmentRuleOptions : ConfigNode
{
    /// <summary>What the rule watches.</summary>
    [RequiredKey, Describe("add 'type:' (dry_run, lighting_schedule)")]
    public EquipmentRuleType Type { get; init; }

    /// <summary>dry_run: the flow point (<c>device/point</c>); running with flow below <c>min_flow</c> is dry.</summary>
    public string? Flow { get; init; }

    /// <summary>dry_run: the least flow of a pump that is really pumping, in the flow point's unit.</summary>
    public double? MinFlow { get; init; }

    /// <summary>dry_run: the power point (<c>device/point</c>); running with power below <c>min_power</c> is dry.</summary>
    public string? Power { get; init; }

    /// <summary>dry_run: the least power of a pump that is really pumping, in the power point's unit.</summary>
    public double? MinPower { get; init; }

    /// <summary>dry_run: how long after a start flow and power are not judged (default 30 s).</summary>
    public TimeSpan? IgnoreAfterStart { get; init; }

    /// <summary>lighting_schedule: the point that shows the circuit lit (its current, or an on/off feedback contact).</summary>
    public string? Point { get; init; }

    /// <summary>lighting_schedule: a value above this is lit (default 0.5: on for a 0/1 contact; set it for amperes).</summary>
    public double? LitAbove { get; init; }

    /// <summary>lighting_schedule: when the circuit should be lit, in the site's time zone.</summary>
    public IReadOnlyList<ScheduleWindowOptions> Schedule { get; init; } = [];

    /// <summary>The condition must last this long before the alarm is raised (dry_run 10 s, lighting_schedule 10 min).</summary>
    public TimeSpan? OnDelay { get; init; }

    /// <summary>The condition must be gone this long before the alarm clears (dry_run 30 s, lighting_schedule 1 min).</summary>
    public TimeSpan? OffDelay { get; init; }

    /// <summary>An acknowledged alarm still active after this long pages again.</summary>
    public TimeSpan? RealarmAfter { get; init; }

    /// <summary>Priority (dry_run P2, lighting_schedule P3).</summary>
    public AlarmPriority? Priority { get; init; }

    /// <summary>What the technician reads.</summary>
    public string? Message { get; init; }
}
