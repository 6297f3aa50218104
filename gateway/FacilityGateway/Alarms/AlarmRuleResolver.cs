using FacilityGateway.Configuration;
using FacilityGateway.Configuration.Yaml;
using YamlDotNet.RepresentationModel;
using FacilityGateway.Tickets;

namespace FacilityGateway.Alarms;

/// <summary>Binds a point's <c>alarms:</c> and applies the defaults worth starting from.</summary>
internal static class AlarmRuleResolver
{
    /// <summary>Key of <see cref="ValidationContext.State"/> for the <c>only_when</c> references checked once every device is known.</summary>
    public const string OnlyWhenChecks = "alarms.only_when";

    /// <summary>
    /// Resolves the rules of one point. A state rule of a leak probe (a gpio_input, or a Modbus contact, with
    /// <c>meaning: leak</c>) is latched and P1 unless it says otherwise.
    /// </summary>
    public static List<AlarmRule> Resolve(string deviceId, string assetId, string pointId, string unit, double? minimum, double? maximum,
        YamlNode? alarms, SourceLocation origin, string path, ValidationContext context, bool leakProbe = false)
    {
        var rules = new List<AlarmRule>();
        if (alarms is null)
            return rules;
        var errors = context.Errors;
        var binder = new YamlBinder(errors, origin.File, context.Environment);
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
            if (o.Limit is { } limit && minimum is { } min && maximum is { } max
                && ((o.Type is AlarmRuleType.High or AlarmRuleType.HighHigh && limit > max) || (o.Type is AlarmRuleType.Low or AlarmRuleType.LowLow && limit < min)))
                errors.Warning(o.OriginOf("limit"), o.PathOf("limit"), $"the {YamlBinder.EnumName(typeof(AlarmRuleType), o.Type)} limit {limit.ToString(System.Globalization.CultureInfo.InvariantCulture)} is outside the point's range [{min.ToString(System.Globalization.CultureInfo.InvariantCulture)}, {max.ToString(System.Globalization.CultureInfo.InvariantCulture)}]: the alarm can only be raised by an implausible value",
                    "check the limit's unit (after scale and offset) and the point's range:");
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
            PointRef? onlyWhen = null;
            if (o.OnlyWhen is not null)
            {
                if (!PointRef.TryParse(o.OnlyWhen, out var gate))
                {
                    errors.Error(o.OriginOf("only_when"), o.PathOf("only_when"), $"'{o.OnlyWhen}' is not a point reference", "write device/point, for example only_when: pump-1-drive/running");
                    continue;
                }
                onlyWhen = gate;
                if (!context.State.TryGetValue(OnlyWhenChecks, out var checks))
                    context.State[OnlyWhenChecks] = checks = new List<(ConfigNode, PointRef)>();
                ((List<(ConfigNode, PointRef)>)checks).Add((o, gate));
            }
            bool latched = o.Latched ?? (leakProbe && o.Type == AlarmRuleType.State);
            string type = YamlBinder.EnumName(typeof(AlarmRuleType), o.Type);
            rules.Add(new AlarmRule(
                $"{deviceId}/{pointId}/{type}",
                deviceId, pointId, assetId, o.Type,
                o.Type switch { AlarmRuleType.State => o.State!.Value, AlarmRuleType.ShortCycling => o.MaxStarts ?? 6, _ => o.Limit ?? 0 },
                o.Deadband ?? span * 0.02,
                o.OnDelay ?? (o.Type switch { AlarmRuleType.State => TimeSpan.FromSeconds(5), AlarmRuleType.ShortCycling or AlarmRuleType.RunTooLong => TimeSpan.Zero, _ => TimeSpan.FromSeconds(10) }),
                o.OffDelay ?? TimeSpan.FromSeconds(30),
                o.Type switch { AlarmRuleType.ShortCycling => o.Window ?? TimeSpan.FromHours(1), AlarmRuleType.RunTooLong => o.MaxRun!.Value, _ => o.MaxAge ?? TimeSpan.Zero },
                latched,
                o.Priority ?? (latched ? AlarmPriority.P1 : AlarmPriority.P3),
                o.Message ?? $"{pointId} {type} ({deviceId})",
                unit,
                o.RealarmAfter,
                o.MinRun,
                onlyWhen));
        }
        foreach (var duplicate in rules.GroupBy(r => r.Id).Where(g => g.Count() > 1))
            errors.Error(origin, $"{path}.alarms", $"two '{duplicate.First().Type}' rules on point '{pointId}'", "keep one rule of each type per point");
        return rules;
    }
}
