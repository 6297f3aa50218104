using FacilityGateway.Configuration;

namespace FacilityGateway.Sources;

/// <summary>
/// The sources' slice of the configuration: who the gateway is (the clock check and its id), the enabled devices of
/// every kind and the Modbus lines they share. Factories build their sources from this, never from the whole file.
/// </summary>
public sealed record SourcePlan(GatewayIdentity Gateway, IReadOnlyList<DeviceOptions> Devices, IReadOnlyList<LineOptions> Lines)
{
    /// <summary>No devices (tests of the host itself).</summary>
    public static SourcePlan Empty { get; } = new(new GatewayIdentity(), [], []);

    /// <summary>The slice of <paramref name="config"/>.</summary>
    public static SourcePlan Of(GatewayConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new(config.Gateway, [.. config.Devices.Where(d => d.Enabled)], [.. config.Lines]);
    }
}
