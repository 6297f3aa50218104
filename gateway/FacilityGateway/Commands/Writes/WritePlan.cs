using FacilityGateway.Configuration;

namespace FacilityGateway.Commands.Writes;

/// <summary>Remote control's slice of the configuration: <c>control:</c> (who may write, read-only) and the enabled devices by id.</summary>
public sealed record WritePlan(ControlOptions Control, IReadOnlyDictionary<string, DeviceOptions> Devices)
{
    /// <summary>The slice of <paramref name="config"/>.</summary>
    public static WritePlan Of(GatewayConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new(config.Control(), config.Devices.Where(d => d.Enabled).DistinctBy(d => d.Id).ToDictionary(d => d.Id, StringComparer.Ordinal));
    }

    /// <summary>The enabled device <paramref name="id"/>, or null.</summary>
    public DeviceOptions? Device(string id) => Devices.GetValueOrDefault(id);
}
