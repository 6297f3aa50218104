using System.Globalization;
using System.Text;
using FacilityGateway.Alarms.Equipment;
using FacilityGateway.Configuration;
using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Alarms;

/// <summary>What <c>validate</c> prints about alarms: each asset's run signal, plan and rules, as the engine will run them.</summary>
public static class AlarmPlan
{
    public static string Describe(GatewayConfig config)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        var devices = config.Devices.Where(d => d.Enabled).ToList();
        var plan = config.AlarmRules();
        int pointRules = devices.Sum(d => plan.PointRulesOf(d.Id).Count), equipment = config.Assets.Sum(a => plan.EquipmentRulesOf(a.Id).Count);
        sb.AppendLine(ci, $"alarms: {pointRules} point rule(s), {equipment} equipment rule(s), {devices.Count} communication-loss alarm(s)");
        foreach (var asset in config.Assets)
        {
            var rules = devices.Where(d => d.Asset == asset.Id).SelectMany(d => plan.PointRulesOf(d.Id)).ToList();
            var equipmentRules = plan.EquipmentRulesOf(asset.Id);
            if (rules.Count == 0 && equipmentRules.Count == 0 && plan.RunningPointOf(asset.Id) is null && asset.Maintenance.Count == 0)
                continue;
            sb.Append(ci, $"  asset {asset.Id} ({asset.Name})");
            if (plan.RunningPointOf(asset.Id) is { } running)
                sb.Append(ci, $": run hours and starts from {running}");
            sb.AppendLine();
            foreach (var task in asset.Maintenance)
            {
                var every = new[]
                {
                    task.EveryRunHours is { } h ? $"{h.ToString(ci)} run hours" : null,
                    task.EveryStarts is { } n ? $"{n.ToString(ci)} starts" : null,
                    task.Every is { } t ? Durations.Format(t) : null,
                }.OfType<string>();
                var last = new[]
                {
                    task.LastDone is { } d ? d.ToString("yyyy-MM-dd", ci) : null,
                    task.LastDoneRunHours is { } lh ? $"{lh.ToString(ci)} run hours" : null,
                    task.LastDoneStarts is { } ls ? $"{ls.ToString(ci)} starts" : null,
                }.OfType<string>().ToList();
                string from = last.Count > 0 ? $", last done at {string.Join(", ", last)}" : "";
                sb.AppendLine(ci, $"    maintenance every {string.Join(" or ", every)}{from}: {task.Task} (P4)");
            }
            foreach (var rule in rules)
                sb.AppendLine(ci, $"    {rule.DeviceId}/{rule.PointId} {Condition(rule)}{Delays(rule)}{(rule.Latched ? ", latched" : "")}{(rule.OnlyWhen is { } g ? $", only when {g}" : "")}, {rule.Priority}: {rule.Message}");
            foreach (var equipmentRule in equipmentRules)
            {
                switch (equipmentRule)
                {
                    case DryRunRule d:
                        var when = new[] { d.Flow is { } f ? $"{f} < {d.MinFlow.ToString(ci)}" : null, d.Power is { } p ? $"{p} < {d.MinPower.ToString(ci)}" : null }.OfType<string>();
                        sb.AppendLine(ci, $"    dry_run: running and {string.Join(" or ", when)}, {Durations.Format(d.IgnoreAfterStart)} after a start{Delays(d.Rule)}, {d.Rule.Priority}");
                        break;
                    case LightingScheduleRule l:
                        sb.AppendLine(ci, $"    lighting_schedule: {l.Point} above {l.LitAbove.ToString(ci)} is lit; {l.Windows.Count} window(s) in {config.Gateway.TimeZone}{Delays(l.Dark)}, {l.Dark.Priority}");
                        break;
                }
            }
        }
        return sb.ToString();
    }

    private static string Condition(AlarmRule rule) => rule.Type switch
    {
        AlarmRuleType.High or AlarmRuleType.HighHigh => $"{Name(rule.Type)} > {Value(rule.Limit)} {rule.Unit} (clears at {Value(rule.Limit - rule.Deadband)})",
        AlarmRuleType.Low or AlarmRuleType.LowLow => $"{Name(rule.Type)} < {Value(rule.Limit)} {rule.Unit} (clears at {Value(rule.Limit + rule.Deadband)})",
        AlarmRuleType.State => $"state = {Value(rule.Limit)}",
        AlarmRuleType.Stale => $"stale after {Durations.Format(rule.MaxAge)}",
        AlarmRuleType.RateOfChange => $"rate_of_change > {Value(rule.Limit)} {rule.Unit}/min",
        AlarmRuleType.ShortCycling => $"short_cycling > {Value(rule.Limit)} starts in {Durations.Format(rule.MaxAge)}{(rule.MinRun is { } m ? $" or a run under {Durations.Format(m)}" : "")}",
        AlarmRuleType.RunTooLong => $"run_too_long > {Durations.Format(rule.MaxAge)}",
        _ => Name(rule.Type),
    };

    private static string Delays(AlarmRule rule) => rule.OnDelay == TimeSpan.Zero && rule.OffDelay == TimeSpan.Zero ? ""
        : $", on-delay {Durations.Format(rule.OnDelay)}, off-delay {Durations.Format(rule.OffDelay)}";

    private static string Name(AlarmRuleType type) => YamlBinder.EnumName(typeof(AlarmRuleType), type);

    private static string Value(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
