using FacilityGateway.Readings;

namespace FacilityGateway.Alarms.Equipment;

/// <summary>
/// Running without flow or with low power. Flow and power are not judged during the ignore window after each start
/// (a pump takes a while to build pressure). An unknown input (bad quality) neither raises nor clears the alarm.
/// </summary>
public sealed class DryRunEvaluator : IAlarmEvaluator
{
    private readonly DryRunRule _spec;
    private readonly TimeProvider _time;
    private readonly DelayedCondition _condition;
    private bool? _running;
    private long _startedAt;
    private double? _flow;
    private double? _power;

    public DryRunEvaluator(DryRunRule spec, TimeProvider time)
    {
        _spec = spec;
        _time = time;
        _condition = new DelayedCondition(spec.Rule.OnDelay, spec.Rule.OffDelay, time);
        Inputs = [spec.Running, .. new[] { spec.Flow, spec.Power }.OfType<PointRef>()];
    }

    public AlarmRule Rule => _spec.Rule;

    public IReadOnlyList<PointRef> Inputs { get; }

    public bool Clocked => true;

    public bool Active => _condition.Active;

    public double? Value => _flow ?? _power;

    public void Restore(bool active) => _condition.Reset(active);

    public RuleTransition Evaluate(Reading reading)
    {
        var point = new PointRef(reading.DeviceId, reading.PointId);
        double? value = reading.Quality.IsBad() || !double.IsFinite(reading.Value) ? null : reading.Value;
        if (point == _spec.Running)
        {
            bool? running = value is { } v ? v != 0 : null;
            if (running == true && _running != true)
                _startedAt = _time.GetTimestamp();
            _running = running;
        }
        if (point == _spec.Flow)
            _flow = value;
        if (point == _spec.Power)
            _power = value;
        return Check();
    }

    public RuleTransition Check()
    {
        long now = _time.GetTimestamp();
        switch (_running)
        {
            case null:
                return _condition.Update(false, false, now); // run signal unknown: hold
            case false:
                return _condition.Update(false, true, now);
        }
        if (_time.GetElapsedTime(_startedAt, now) < _spec.IgnoreAfterStart)
            return _condition.Update(false, true, now);
        if (_flow is null && _power is null)
            return _condition.Update(false, false, now); // nothing to judge by: hold
        bool dry = _flow < _spec.MinFlow || _power < _spec.MinPower;
        return _condition.Update(dry, !dry, now);
    }
}
