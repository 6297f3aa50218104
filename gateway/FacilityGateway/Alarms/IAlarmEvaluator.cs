using FacilityGateway.Readings;

namespace FacilityGateway.Alarms;

/// <summary>A point of a device, written <c>device/point</c> in the YAML (ids may hold dots, never slashes).</summary>
public readonly record struct PointRef(string Device, string Point)
{
    /// <summary>Reads <c>device/point</c>; false when there is no slash or a side is empty.</summary>
    public static bool TryParse(string? text, out PointRef point)
    {
        int slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        point = slash > 0 && slash < text!.Length - 1 ? new PointRef(text[..slash], text[(slash + 1)..]) : default;
        return slash > 0 && slash < text!.Length - 1;
    }

    public override string ToString() => $"{Device}/{Point}";
}

/// <summary>
/// The condition of one alarm over the readings of one or more points. The engine routes each reading of an input to
/// it and, for <see cref="Clocked"/> evaluators, asks again every second (stale data, schedules, delays with no reading).
/// </summary>
public interface IAlarmEvaluator
{
    AlarmRule Rule { get; }

    /// <summary>The points whose readings it needs.</summary>
    IReadOnlyList<PointRef> Inputs { get; }

    /// <summary>True when it must also be checked on the clock.</summary>
    bool Clocked { get; }

    /// <summary>True while the alarm condition is established.</summary>
    bool Active { get; }

    /// <summary>The value a ticket shows (the last good value of the main input), if any.</summary>
    double? Value { get; }

    /// <summary>
    /// Sets the condition and forgets any delay under way: after a restart (an alarm already raised is not raised again),
    /// a reset of a latched alarm, or suppression by design (evaluation starts afresh, with its on-delay).
    /// </summary>
    void Restore(bool active);

    RuleTransition Evaluate(Reading reading);

    RuleTransition Check();
}

/// <summary>
/// A condition that must last <c>onDelay</c> before it is raised and be gone <c>offDelay</c> before it clears, on
/// monotonic time (a wall-clock step neither fires nor delays it). Between <c>breach</c> and <c>clear</c> lies the deadband.
/// </summary>
public sealed class DelayedCondition(TimeSpan onDelay, TimeSpan offDelay, TimeProvider time)
{
    private long? _breachSince;
    private long? _clearSince;

    public bool Active { get; set; }

    /// <summary>Sets the condition and forgets any delay under way (after a restart, a reset, or suppression by design).</summary>
    public void Reset(bool active)
    {
        Active = active;
        _breachSince = null;
        _clearSince = null;
    }

    public RuleTransition Update(bool breach, bool clear, long now)
    {
        if (!Active)
        {
            _clearSince = null;
            if (!breach)
            {
                _breachSince = null;
                return RuleTransition.None;
            }
            _breachSince ??= now;
            if (time.GetElapsedTime(_breachSince.Value, now) < onDelay)
                return RuleTransition.None;
            Active = true;
            _breachSince = null;
            return RuleTransition.Activated;
        }
        _breachSince = null;
        if (!clear)
        {
            _clearSince = null;
            return RuleTransition.None;
        }
        _clearSince ??= now;
        if (time.GetElapsedTime(_clearSince.Value, now) < offDelay)
            return RuleTransition.None;
        Active = false;
        _clearSince = null;
        return RuleTransition.Cleared;
    }
}
