using FacilityGateway.Configuration;
using FacilityGateway.Tickets;

namespace FacilityGateway.Alarms;

/// <summary>
/// The alarm engine's slice of the configuration: who the gateway is (site, time zone), the equipment register, the
/// enabled devices (communication loss), the on-call rota and the rules resolved by validation.
/// </summary>
public sealed record AlarmEnginePlan(GatewayIdentity Gateway, IReadOnlyList<AssetOptions> Assets, IReadOnlyList<DeviceOptions> Devices, OnCallOptions OnCall, AlarmRuleSet Rules)
{
    /// <summary>The slice of <paramref name="config"/>.</summary>
    public static AlarmEnginePlan Of(GatewayConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new(config.Gateway, config.Assets, [.. config.Devices.Where(d => d.Enabled)], config.OnCall(), config.AlarmRules());
    }
}
