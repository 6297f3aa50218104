namespace FacilityGateway.Readings;

/// <summary>The gateway itself as a device: its own health readings (outbox, sinks, run hours) carry this device id.</summary>
public static class GatewayDevice
{
    /// <summary>The reserved device id; no configured device may use it.</summary>
    public const string Id = "gateway";
}
