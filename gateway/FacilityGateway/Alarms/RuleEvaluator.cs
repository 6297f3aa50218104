using FacilityGateway.Readings;

namespace FacilityGateway.Alarms;

/// <summary>What a reading did to a rule.</summary>
public enum RuleTransition { None, Activated, Cleared }

/// <summary>
/// The condition of one rule over its readings: deadband, on-delay and off-delay, on monotonic time (a wall-clock step
/// neither fires nor delays anything). Bad readings are not values: they neither raise nor clear a value alarm.
/// </summary>
public sealed class RuleEvaluator(AlarmRule rule, TimeProvider time) : IAlarmEvaluator
{
    private readonly DelayedCondition _condition = new(rule.OnDelay, rule.OffDelay, time);
    private long _lastGood = time.GetTimestamp();
    private readonly Queue<long> _starts = new();
    private bool _running;
    private long _runningSince;
    private bool _shortRun;
    private (double Value, long At)? _previous;

    public AlarmRule Rule => rule;

    public IReadOnlyList<PointRef> Inputs { get; } = [new(rule.DeviceId, rule.PointId)];

    public bool Clocked => rule.Type == AlarmRuleType.Stale;

    /// <summary>True while the alarm condition is established (after the on-delay, until the off-delay).</summary>
    public bool Active
    {
        get => _condition.Active;
        private set => _condition.Active = value;
    }

    public double? Value { get; private set; }

    public void Restore(bool active) => _condition.Reset(active);

    public RuleTransition Evaluate(Reading reading)
    {
        long now = time.GetTimestamp();
        if (!reading.Quality.IsBad() && double.IsFinite(reading.Value))
            Value = reading.Value;
        if (rule.Type == AlarmRuleType.Stale)
        {
            if (reading.Quality.IsFresh()) // a fresh reading with the clock not yet synchronised is still fresh
                _lastGood = now;
            return Check();
        }
        if (reading.Quality.IsBad() || double.IsNaN(reading.Value))
            return RuleTransition.None;
        if (rule.Type is AlarmRuleType.ShortCycling or AlarmRuleType.RunTooLong)
            return EvaluateRunning(reading.Value != 0, now);
        double value = reading.Value;
        if (rule.Type == AlarmRuleType.RateOfChange)
        {
            var previous = _previous;
            _previous = (reading.Value, now);
            if (previous is not { } p || now <= p.At)
                return RuleTransition.None;
            value = Math.Abs(reading.Value - p.Value) / time.GetElapsedTime(p.At, now).TotalMinutes; // units per minute
        }
        return _condition.Update(rule.Breaches(value), rule.Clears(value), now);
    }

    /// <summary>Equipment rules over a running signal: starts within a window, or one run too long.</summary>
    private RuleTransition EvaluateRunning(bool running, long now)
    {
        if (running && !_running)
        {
            _runningSince = now;
            _starts.Enqueue(now);
        }
        if (rule.MinRun is { } minRun)
        {
            if (!running && _running)
                _shortRun = time.GetElapsedTime(_runningSince, now) < minRun; // a run just ended: was it too short?
            else if (running && time.GetElapsedTime(_runningSince, now) >= minRun)
                _shortRun = false; // this run is long enough
        }
        _running = running;
        bool condition;
        if (rule.Type == AlarmRuleType.ShortCycling)
        {
            while (_starts.Count > 0 && time.GetElapsedTime(_starts.Peek(), now) > rule.MaxAge)
                _starts.Dequeue();
            condition = _starts.Count > rule.Limit || _shortRun;
        }
        else
        {
            condition = running && time.GetElapsedTime(_runningSince, now) > rule.MaxAge;
        }
        if (condition == Active)
            return RuleTransition.None;
        Active = condition;
        return condition ? RuleTransition.Activated : RuleTransition.Cleared;
    }

    /// <summary>Time-driven rules (stale) are checked on a clock as well as on readings.</summary>
    public RuleTransition Check()
    {
        if (rule.Type != AlarmRuleType.Stale)
            return RuleTransition.None;
        bool stale = time.GetElapsedTime(_lastGood) > rule.MaxAge;
        if (stale && !Active)
        {
            Active = true;
            return RuleTransition.Activated;
        }
        if (!stale && Active)
        {
            Active = false;
            return RuleTransition.Cleared;
        }
        return RuleTransition.None;
    }
}
