namespace FacilityGateway.Alarms.Equipment;

/// <summary>A resolved equipment rule of an asset; it makes the evaluators of its alarms.</summary>
public abstract record EquipmentRule
{
    public abstract IEnumerable<IAlarmEvaluator> CreateEvaluators(TimeProvider time, TimeZoneInfo zone);
}

/// <summary>
/// A pump running dry: the run signal on for longer than <see cref="IgnoreAfterStart"/> while the flow is below
/// <see cref="MinFlow"/> or the power below <see cref="MinPower"/>. Its <see cref="AlarmRule.DeviceId"/> is the run
/// signal's device, so that device's communication loss suppresses it.
/// </summary>
public sealed record DryRunRule(AlarmRule Rule, PointRef Running, PointRef? Flow, double MinFlow, PointRef? Power, double MinPower, TimeSpan IgnoreAfterStart) : EquipmentRule
{
    public override IEnumerable<IAlarmEvaluator> CreateEvaluators(TimeProvider time, TimeZoneInfo zone) => [new DryRunEvaluator(this, time)];
}

/// <summary>A lighting circuit against its schedule: two alarms, dark while scheduled on, lit while scheduled off.</summary>
public sealed record LightingScheduleRule(AlarmRule Dark, AlarmRule Lit, PointRef Point, double LitAbove,
    IReadOnlyList<(IReadOnlySet<DayOfWeek> Days, TimeOnly From, TimeOnly To)> Windows) : EquipmentRule
{
    public override IEnumerable<IAlarmEvaluator> CreateEvaluators(TimeProvider time, TimeZoneInfo zone)
    {
        var schedule = new WeeklySchedule(Windows, zone);
        return [new LightingScheduleEvaluator(Dark, this, schedule, alarmWhenLit: false, time), new LightingScheduleEvaluator(Lit, this, schedule, alarmWhenLit: true, time)];
    }
}
