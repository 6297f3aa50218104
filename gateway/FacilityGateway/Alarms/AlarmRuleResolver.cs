using FacilityGateway.Configuration.Yaml;
using YamlDotNet.RepresentationModel;

namespace FacilityGateway.Alarms;

/// <summary>Binds a point's <c>alarms:</c> and applies the defaults worth starting from.</summary>
internal static class AlarmRuleResolver
{
    public static List<AlarmRule> Resolve(string deviceId, string assetId, string pointId, string unit, double? minimum, double? maximum,
        YamlNode? alarms, SourceLocation origin, string path, ConfigErrors errors, Func<string, string?> environment)
    {
        var rules = new List<AlarmRule>();
        if (alarms is null)
            return rules;
        var binder = new YamlBinder(errors, origin.File, environment);
        if (binder.BindValue(alarms, typeof(List<AlarmRuleOptions>), $"{path}.alarms") is not List<AlarmRuleOptions> options)
            return rules;
        double span = minimum is { } lo && maximum is { } hi ? hi - lo : 0;
        foreach (var o in options)
        {
            bool analog = o.Type is AlarmRuleType.High or AlarmRuleType.HighHigh or AlarmRuleType.Low or AlarmRuleType.LowLow or AlarmRuleType.RateOfChange;
            if (analog && o.Limit is null)
            {
                errors.Error(o.Origin, o.PathOf("limit"), $"a {YamlBinder.EnumName(typeof(AlarmRuleType), o.Type)} rule needs 'limit:'", $"the value in {(unit.Length > 0 ? unit : "the point's unit")} that raises the alarm");
                continue;
            }
            if (o.Type == AlarmRuleType.State && o.State is null)
            {
                errors.Error(o.Origin, o.PathOf("state"), "a state rule needs 'state:'", "the value that is the alarm, for example state: 1 for a wet leak probe");
                continue;
            }
            if (o.Type == AlarmRuleType.RunTooLong && o.MaxRun is null)
            {
                errors.Error(o.Origin, o.PathOf("max_run"), "a run_too_long rule needs 'max_run:'", "for example max_run: 2h");
                continue;
            }
            if (o.Type == AlarmRuleType.Stale && o.MaxAge is null)
            {
                errors.Error(o.Origin, o.PathOf("max_age"), "a stale rule needs 'max_age:'", "for example max_age: 5m");
                continue;
            }
            string type = YamlBinder.EnumName(typeof(AlarmRuleType), o.Type);
            rules.Add(new AlarmRule(
                $"{deviceId}/{pointId}/{type}",
                deviceId, pointId, assetId, o.Type,
                o.Type switch { AlarmRuleType.State => o.State!.Value, AlarmRuleType.ShortCycling => o.MaxStarts ?? 6, _ => o.Limit ?? 0 },
                o.Deadband ?? span * 0.02,
                o.OnDelay ?? (o.Type switch { AlarmRuleType.State => TimeSpan.FromSeconds(5), AlarmRuleType.ShortCycling or AlarmRuleType.RunTooLong => TimeSpan.Zero, _ => TimeSpan.FromSeconds(10) }),
                o.OffDelay ?? TimeSpan.FromSeconds(30),
                o.Type switch { AlarmRuleType.ShortCycling => o.Window ?? TimeSpan.FromHours(1), AlarmRuleType.RunTooLong => o.MaxRun!.Value, _ => o.MaxAge ?? TimeSpan.Zero },
                o.Latched,
                o.Priority ?? (o.Latched ? AlarmPriority.P1 : AlarmPriority.P3),
                o.Message ?? $"{pointId} {type} ({deviceId})",
                unit,
                o.RealarmAfter));
        }
        foreach (var duplicate in rules.GroupBy(r => r.Id).Where(g => g.Count() > 1))
            errors.Error(origin, $"{path}.alarms", $"two '{duplicate.First().Type}' rules on point '{pointId}'", "keep one rule of each type per point");
        return rules;
    }
}
