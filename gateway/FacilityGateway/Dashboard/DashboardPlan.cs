using FacilityGateway.Alarms;
using FacilityGateway.Commands.Writes;
using FacilityGateway.Configuration;
using FacilityGateway.Dashboard.History;
using FacilityGateway.Tickets;

namespace FacilityGateway.Dashboard;

/// <summary>
/// The dashboard's slice of the configuration: who the gateway is, its own section, remote control's rules, the
/// people who may sign in, the register with its enabled devices, which assets count run hours (a run signal), the
/// point rules whose limits a trend draws, the follow-up window of a ticket's timeline, the site's time zone and the
/// trend history.
/// </summary>
public sealed record DashboardPlan(GatewayIdentity Gateway, DashboardOptions Options, ControlOptions Control, IReadOnlyDictionary<string, OnCallContact> Contacts,
    IReadOnlyList<AssetOptions> Assets, IReadOnlyList<DeviceOptions> Devices, IReadOnlySet<string> CountedAssets,
    AlarmRuleSet Rules, TimeSpan FollowUp, TimeZoneInfo Zone, TrendHistoryPlan History)
{
    /// <summary>The slice of <paramref name="config"/>.</summary>
    public static DashboardPlan Of(GatewayConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var rules = config.AlarmRules();
        var dashboard = config.Dashboard();
        return new(config.Gateway, dashboard, config.Control(), config.OnCall().Contacts, config.Assets, [.. config.Devices.Where(d => d.Enabled)],
            config.Assets.Where(a => rules.RunningPointOf(a.Id) is not null).Select(a => a.Id).ToHashSet(StringComparer.Ordinal),
            rules, config.OnCall().FollowUp, TimeZoneInfo.FindSystemTimeZoneById(config.Gateway.TimeZone),
            TrendHistoryPlan.Of(dashboard.Enabled, dashboard.History, config.Gateway.DataDirectory));
    }
}
