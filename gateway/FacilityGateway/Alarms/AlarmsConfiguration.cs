using FacilityGateway.Configuration;
using FacilityGateway.Readings;

namespace FacilityGateway.Alarms;

/// <summary>The alarms' part of the configuration: a point's <c>alarms:</c>, an asset's equipment rules and their checks.</summary>
public static class AlarmsConfiguration
{
    /// <summary>Adds the alarm keys and checks.</summary>
    public static void Register(ConfigurationRegistry registry) => registry
        .AddLateBoundList("alarms", typeof(AlarmRuleOptions))
        .AddLateBoundList("rules", typeof(Equipment.EquipmentRuleOptions))
        .AddCheck(Resolve);

    /// <summary>The rules resolved from the file (empty before validation).</summary>
    public static AlarmRuleSet AlarmRules(this GatewayConfig config) => config.Plan<AlarmRuleSet>();

    /// <summary>Resolves every point's <c>alarms:</c>, then what refers to other devices' points (equipment rules, run signals, only_when).</summary>
    private static void Resolve(ValidationContext context)
    {
        var config = context.Config;
        var rules = new AlarmRuleSet();
        foreach (var device in config.Devices)
            foreach (var declared in device.DescribeAlarms())
                foreach (var rule in AlarmRuleResolver.Resolve(device.Id, device.Asset, declared.Point.Id, declared.Point.Unit, declared.Point.Minimum, declared.Point.Maximum,
                    declared.Alarms, declared.DeclaredIn.Origin, declared.DeclaredIn.KeyPath, context, leakProbe: declared.Point.Meaning == InputMeaning.Leak))
                    rules.Add(rule);
        var points = config.Devices.Where(d => d.Enabled && d.Id.Length > 0).DistinctBy(d => d.Id)
            .ToDictionary(d => d.Id, d => d.DescribePoints().DistinctBy(p => p.Id).ToDictionary(p => p.Id, StringComparer.Ordinal), StringComparer.Ordinal);
        Equipment.EquipmentRuleResolver.Resolve(config, points, rules, context);
        config.SetPlan(rules);
    }
}
