using FacilityGateway.Alarms.Equipment;

namespace FacilityGateway.Alarms;

/// <summary>
/// The alarms' slice of the plan: every rule resolved from the file (each point's <c>alarms:</c>, each asset's
/// equipment rules) and each asset's run signal. Built once by validation (<see cref="AlarmsConfiguration"/>), read by
/// the engine, <c>validate</c> and the dashboard; the options stay as the installer wrote them.
/// </summary>
public sealed class AlarmRuleSet
{
    private readonly Dictionary<string, List<AlarmRule>> _pointRules = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<EquipmentRule>> _equipmentRules = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PointRef> _running = new(StringComparer.Ordinal);

    /// <summary>The point rules of device <paramref name="deviceId"/> (communication loss is the engine's own).</summary>
    public IReadOnlyList<AlarmRule> PointRulesOf(string deviceId) => _pointRules.TryGetValue(deviceId, out var rules) ? rules : [];

    /// <summary>The equipment rules of asset <paramref name="assetId"/>.</summary>
    public IReadOnlyList<EquipmentRule> EquipmentRulesOf(string assetId) => _equipmentRules.TryGetValue(assetId, out var rules) ? rules : [];

    /// <summary>The run signal of asset <paramref name="assetId"/>, or null when it has none.</summary>
    public PointRef? RunningPointOf(string assetId) => _running.TryGetValue(assetId, out var point) ? point : null;

    /// <summary>Adds a point rule (validation, and benchmarks that build rules in code).</summary>
    public void Add(AlarmRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (!_pointRules.TryGetValue(rule.DeviceId, out var rules))
            _pointRules[rule.DeviceId] = rules = [];
        rules.Add(rule);
    }

    internal void Add(string assetId, EquipmentRule rule)
    {
        if (!_equipmentRules.TryGetValue(assetId, out var rules))
            _equipmentRules[assetId] = rules = [];
        rules.Add(rule);
    }

    internal void SetRunningPoint(string assetId, PointRef point) => _running[assetId] = point;
}
