using FacilityGateway.Configuration;
using FacilityGateway.Configuration.Yaml;
using FacilityGateway.Readings;
using FacilityGateway.Tickets;

namespace FacilityGateway.Alarms.Equipment;

/// <summary>
/// Checks what refers to other devices' points once every device is known: an asset's run signal and equipment rules
/// (resolved here, with their defaults), and the point rules' <c>only_when</c>.
/// </summary>
internal static class EquipmentRuleResolver
{
    /// <summary>Resolves every asset; <paramref name="points"/> holds each enabled device's points by id.</summary>
    public static void Resolve(GatewayConfig config, IReadOnlyDictionary<string, Dictionary<string, PointInfo>> points, AlarmRuleSet resolved, ValidationContext context)
    {
        var errors = context.Errors;
        var texts = Tickets.TicketTexts.For(config.Gateway.Language);
        if (context.State.GetValueOrDefault(AlarmRuleResolver.OnlyWhenChecks) is List<(ConfigNode Rule, PointRef Gate)> checks)
            foreach (var (rule, gate) in checks)
                _ = Point(rule, "only_when", gate.ToString(), points, errors);
        foreach (var asset in config.Assets)
        {
            PointRef? running = asset.Running is null ? null : Point(asset, "running", asset.Running, points, errors);
            if (running is { } signal)
                resolved.SetRunningPoint(asset.Id, signal);
            if (running is null && asset.Maintenance.FirstOrDefault(t => t.EveryRunHours is not null || t.EveryStarts is not null) is { } task)
                errors.Error(task.Origin, task.KeyPath, $"maintenance task '{task.Task}' counts run hours or starts, but asset '{asset.Id}' has no run signal",
                    "add 'running:' to the asset with the point that is 1 while it runs, for example running: pump-1-drive/running");
            var written = asset.Rules is null ? [] : new YamlBinder(errors, asset.Origin.File, context.Environment)
                .BindValue(asset.Rules, typeof(List<EquipmentRuleOptions>), asset.PathOf("rules")) as List<EquipmentRuleOptions> ?? [];
            foreach (var rule in written)
            {
                EquipmentRule? equipmentRule = rule.Type switch
                {
                    EquipmentRuleType.DryRun => DryRun(asset, running, rule, points, errors, texts),
                    _ => Lighting(asset, rule, points, errors, texts),
                };
                if (equipmentRule is not null)
                    resolved.Add(asset.Id, equipmentRule);
            }
            foreach (var duplicate in written.GroupBy(r => r.Type).Where(g => g.Count() > 1))
                errors.Error(duplicate.Last().Origin, duplicate.Last().KeyPath, $"two '{YamlBinder.EnumName(typeof(EquipmentRuleType), duplicate.Key)}' rules on asset '{asset.Id}'", "keep one rule of each type per asset");
        }
    }

    private static DryRunRule? DryRun(AssetOptions asset, PointRef? runningPoint, EquipmentRuleOptions o, IReadOnlyDictionary<string, Dictionary<string, PointInfo>> points, ConfigErrors errors, Tickets.TicketTexts texts)
    {
        if (asset.Running is null)
        {
            errors.Error(o.Origin, o.KeyPath, $"a dry_run rule needs the run signal of asset '{asset.Id}'", "add 'running:' to the asset, for example running: pump-1-drive/running");
            return null;
        }
        if (o.Flow is null && o.Power is null)
        {
            errors.Error(o.Origin, o.KeyPath, "a dry_run rule needs 'flow:' or 'power:' (or both)", "for example flow: water-meter/flow with min_flow: 0.5");
            return null;
        }
        var flow = o.Flow is null ? null : Point(o, "flow", o.Flow, points, errors);
        var power = o.Power is null ? null : Point(o, "power", o.Power, points, errors);
        if (o.Flow is not null && o.MinFlow is null)
            errors.Error(o.Origin, o.PathOf("min_flow"), "a dry_run rule with 'flow:' needs 'min_flow:'", "the least flow of the pump when it really pumps, in the flow point's unit");
        if (o.Power is not null && o.MinPower is null)
            errors.Error(o.Origin, o.PathOf("min_power"), "a dry_run rule with 'power:' needs 'min_power:'", "the least power of the pump when it really pumps, in the power point's unit");
        if (runningPoint is not { } running || (o.Flow is not null && (flow is null || o.MinFlow is null)) || (o.Power is not null && (power is null || o.MinPower is null)))
            return null;
        var limitPoint = flow ?? power!.Value;
        string unit = points[limitPoint.Device][limitPoint.Point].Unit;
        var rule = new AlarmRule($"{asset.Id}/dry_run", running.Device, running.Point, asset.Id, AlarmRuleType.DryRun,
            flow is not null ? o.MinFlow!.Value : o.MinPower!.Value, 0,
            o.OnDelay ?? TimeSpan.FromSeconds(10), o.OffDelay ?? TimeSpan.FromSeconds(30), TimeSpan.Zero, false,
            o.Priority ?? AlarmPriority.P2,
            o.Message ?? texts.DryRun(asset.Name, byFlow: flow is not null),
            unit, o.RealarmAfter);
        return new DryRunRule(rule, running, flow, o.MinFlow ?? double.NegativeInfinity, power, o.MinPower ?? double.NegativeInfinity, o.IgnoreAfterStart ?? TimeSpan.FromSeconds(30));
    }

    private static LightingScheduleRule? Lighting(AssetOptions asset, EquipmentRuleOptions o, IReadOnlyDictionary<string, Dictionary<string, PointInfo>> points, ConfigErrors errors, Tickets.TicketTexts texts)
    {
        if (o.Point is null)
        {
            errors.Error(o.Origin, o.PathOf("point"), "a lighting_schedule rule needs 'point:'", "the circuit's current or its on/off feedback, for example point: lighting-meter/current_l1 with lit_above: 0.3");
            return null;
        }
        if (o.Schedule.Count == 0)
        {
            errors.Error(o.Origin, o.PathOf("schedule"), "a lighting_schedule rule needs 'schedule:'", "for example schedule: [{ days: mon-fri, from: \"06:30\", to: \"20:00\" }]");
            return null;
        }
        var windows = new List<(IReadOnlySet<DayOfWeek>, TimeOnly, TimeOnly)>();
        foreach (var window in o.Schedule)
        {
            if (WeeklySchedule.TryParseDays(window.Days, out var days))
                windows.Add((days, window.From, window.To));
            else
                errors.Error(window.OriginOf("days"), window.PathOf("days"), $"'{window.Days}' is not a set of days",
                    "write daily, weekdays, weekends, mon-fri, sat,sun or mon,wed,fri");
        }
        if (Point(o, "point", o.Point, points, errors) is not { } point || windows.Count != o.Schedule.Count)
            return null;
        var info = points[point.Device][point.Point];
        double litAbove = o.LitAbove ?? 0.5;
        AlarmRule Alarm(string suffix, string message) => new($"{asset.Id}/lighting_schedule/{suffix}", point.Device, point.Point, asset.Id, AlarmRuleType.LightingSchedule,
            litAbove, 0, o.OnDelay ?? TimeSpan.FromMinutes(10), o.OffDelay ?? TimeSpan.FromMinutes(1), TimeSpan.Zero, false,
            o.Priority ?? AlarmPriority.P3, o.Message is null ? message : $"{o.Message}: {message}", info.Unit, o.RealarmAfter);
        return new LightingScheduleRule(
            Alarm("dark", texts.LightingDark(asset.Name, byCurrent: info.Unit == "A")),
            Alarm("lit", texts.LightingLit(asset.Name)),
            point, litAbove, windows);
    }

    /// <summary>A <c>device/point</c> reference that names an enabled device and one of its points.</summary>
    private static PointRef? Point(ConfigNode node, string key, string text, IReadOnlyDictionary<string, Dictionary<string, PointInfo>> points, ConfigErrors errors)
    {
        if (!PointRef.TryParse(text, out var point))
        {
            errors.Error(node.OriginOf(key), node.PathOf(key), $"'{text}' is not a point reference", "write device/point, for example pump-1-drive/running");
            return null;
        }
        if (!points.TryGetValue(point.Device, out var devicePoints))
        {
            string? suggestion = Names.Suggest(point.Device, points.Keys);
            errors.Error(node.OriginOf(key), node.PathOf(key), $"unknown device '{point.Device}' in '{text}'",
                suggestion is not null ? $"did you mean '{suggestion}/{point.Point}'?" : "name an enabled device under 'devices:'");
            return null;
        }
        if (!devicePoints.ContainsKey(point.Point))
        {
            string? suggestion = Names.Suggest(point.Point, devicePoints.Keys);
            errors.Error(node.OriginOf(key), node.PathOf(key), $"device '{point.Device}' has no point '{point.Point}'",
                suggestion is not null ? $"did you mean '{point.Device}/{suggestion}'?" : $"its points are: {string.Join(", ", devicePoints.Keys.Take(12))}{(devicePoints.Count > 12 ? ", ..." : "")}");
            return null;
        }
        return point;
    }
}
