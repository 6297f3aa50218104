using FacilityGateway.Configuration.Yaml;
using FacilityGateway.Tickets;

namespace FacilityGateway.Alarms;

/// <summary>What a rule watches.</summary>
public enum AlarmRuleType
{
    /// <summary>Value above the limit.</summary>
    High,
    /// <summary>Value above the (second, higher) limit.</summary>
    HighHigh,
    /// <summary>Value below the limit.</summary>
    Low,
    /// <summary>Value below the (second, lower) limit.</summary>
    LowLow,
    /// <summary>Value equal to <c>state</c> (a wet leak probe, a tripped drive).</summary>
    State,
    /// <summary>No good value for longer than <c>max_age</c>.</summary>
    Stale,
    /// <summary>The value changes faster than <c>limit</c> per minute (up or down): a tank draining, a pressure collapsing.</summary>
    RateOfChange,
    /// <summary>A running signal (0/1) started more than <c>max_starts</c> times within <c>window</c>: a pump short-cycling.</summary>
    ShortCycling,
    /// <summary>A running signal (0/1) stayed on longer than <c>max_run</c>: a pump that never stops (a leak, a stuck pressure switch).</summary>
    RunTooLong,
    /// <summary>An asset's dry-run rule (written under the asset's <c>rules:</c>, not a point's).</summary>
    [NotBound, Describe("dry_run is a rule of an asset: write it under the asset's 'rules:' with running:, flow: or power: (docs/ALARM-RULES.md)")]
    DryRun,
    /// <summary>An asset's lighting schedule rule (written under the asset's <c>rules:</c>, not a point's).</summary>
    [NotBound, Describe("lighting_schedule is a rule of an asset: write it under the asset's 'rules:' with point: and schedule: (docs/ALARM-RULES.md)")]
    LightingSchedule,
    /// <summary>A task of an asset's maintenance plan came due.</summary>
    [NotBound, Describe("maintenance is planned under the asset's 'maintenance:' with every_run_hours:, every_starts: or every:")]
    Maintenance,
}


/// <summary>One alarm rule of a point, under its <c>alarms:</c> key.</summary>
public sealed class AlarmRuleOptions : ConfigNode
{
    /// <summary>What the rule watches.</summary>
    [RequiredKey, Describe("add 'type:' (high, high_high, low, low_low, state, stale, rate_of_change, short_cycling, run_too_long)")]
    public AlarmRuleType Type { get; init; }

    /// <summary>Limit of an analog rule, in the point's unit.</summary>
    public double? Limit { get; init; }

    /// <summary>How far back past the limit the value must go to clear; default 2 % of the point's range, or 0.</summary>
    public double? Deadband { get; init; }

    /// <summary>The state value that is the alarm, for type state (1 for a wet probe).</summary>
    public double? State { get; init; }

    /// <summary>The condition must last this long before the alarm is raised (default 10 s; 5 s for state).</summary>
    public TimeSpan? OnDelay { get; init; }

    /// <summary>The condition must be gone this long before the alarm clears (default 30 s).</summary>
    public TimeSpan? OffDelay { get; init; }

    /// <summary>For type stale: the longest time without a good value.</summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>For short_cycling: the most starts allowed within the window (default 6).</summary>
    [Range(1, 1000)]
    public int? MaxStarts { get; init; }

    /// <summary>For short_cycling: the sliding window (default 60 min).</summary>
    public TimeSpan? Window { get; init; }

    /// <summary>For short_cycling: a run shorter than this is short cycling too (none by default).</summary>
    public TimeSpan? MinRun { get; init; }

    /// <summary>
    /// The rule applies only while this point (<c>device/point</c>) is on, non-zero; otherwise it is suppressed by
    /// design. For example a discharge-pressure-low rule with only_when: pump-1-drive/running.
    /// </summary>
    public string? OnlyWhen { get; init; }

    /// <summary>For run_too_long: the longest run allowed.</summary>
    public TimeSpan? MaxRun { get; init; }

    /// <summary>An acknowledged alarm still active after this long becomes unacknowledged again and pages again.</summary>
    public TimeSpan? RealarmAfter { get; init; }

    /// <summary>Stays active after the condition clears until a technician resets it (default: true for a state rule of a leak probe).</summary>
    public bool? Latched { get; init; }

    /// <summary>Priority (default P3; P1 for a latched alarm).</summary>
    public AlarmPriority? Priority { get; init; }

    /// <summary>What the technician reads.</summary>
    public string? Message { get; init; }
}
