using FacilityGateway.Alarms;
using FacilityGateway.Commands.Writes;
using FacilityGateway.Configuration;
using FacilityGateway.Tickets;

namespace FacilityGateway.Dashboard;

/// <summary>
/// The dashboard's slice of the configuration: who the gateway is, its own section, remote control's rules, the
/// people who may sign in, the register with its enabled devices, and which assets count run hours (a run signal).
/// </summary>
public sealed record DashboardPlan(GatewayIdentity Gateway, DashboardOptions Options, ControlOptions Control, IReadOnlyDictionary<string, OnCallContact> Contacts,
    IReadOnlyList<AssetOptions> Assets, IReadOnlyList<DeviceOptions> Devices, IReadOnlySet<string> CountedAssets)
{
    /// <summary>The slice of <paramref name="config"/>.</summary>
    public static DashboardPlan Of(GatewayConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var rules = config.AlarmRules();
        return new(config.Gateway, config.Dashboard(), config.Control(), config.OnCall().Contacts, config.Assets, [.. config.Devices.Where(d => d.Enabled)],
            config.Assets.Where(a => rules.RunningPointOf(a.Id) is not null).Select(a => a.Id).ToHashSet(StringComparer.Ordinal));
    }
}
