using FacilityGateway.Configuration;
using FacilityGateway.Sinks;

namespace FacilityGateway.Delivery;

/// <summary>
/// Delivery's slice of the configuration: the enabled sinks' options and the context each sink is created with (who
/// the gateway is, the register, the enabled devices and their points' deadbands, the contacts).
/// </summary>
public sealed record DeliveryPlan(IReadOnlyList<SinkOptions> Sinks, SinkContext Context)
{
    /// <summary>The slice of <paramref name="config"/>.</summary>
    public static DeliveryPlan Of(GatewayConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new([.. config.Sinks().Where(s => s.Enabled)], SinkContext.Of(config));
    }
}
