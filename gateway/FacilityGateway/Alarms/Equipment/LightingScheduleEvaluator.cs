using FacilityGateway.Readings;

namespace FacilityGateway.Alarms.Equipment;

/// <summary>
/// One of a lighting circuit's two schedule alarms: dark while it should be lit (lamps or breaker failed), or lit while
/// it should be dark (a stuck contactor, a time switch out of step). The schedule is in the site's time zone and read
/// from the wall clock, as schedules are; the on- and off-delays run on monotonic time.
/// </summary>
public sealed class LightingScheduleEvaluator(AlarmRule rule, LightingScheduleRule spec, WeeklySchedule schedule, bool alarmWhenLit, TimeProvider time) : IAlarmEvaluator
{
    private readonly DelayedCondition _condition = new(rule.OnDelay, rule.OffDelay, time);

    public AlarmRule Rule => rule;

    public IReadOnlyList<PointRef> Inputs { get; } = [spec.Point];

    public bool Clocked => true;

    public bool Active => _condition.Active;

    public double? Value { get; private set; }

    /// <summary>True when the circuit is lit; null when its last reading was bad.</summary>
    private bool? _lit;

    public void Restore(bool active) => _condition.Reset(active);

    public RuleTransition Evaluate(Reading reading)
    {
        bool good = !reading.Quality.IsBad() && double.IsFinite(reading.Value);
        Value = good ? reading.Value : Value;
        _lit = good ? reading.Value > spec.LitAbove : null;
        return Check();
    }

    public RuleTransition Check()
    {
        long now = time.GetTimestamp();
        if (_lit is not { } lit)
            return _condition.Update(false, false, now);
        bool scheduled = schedule.IsOn(time.GetUtcNow());
        bool fault = alarmWhenLit ? lit && !scheduled : !lit && scheduled;
        return _condition.Update(fault, !fault, now);
    }
}
