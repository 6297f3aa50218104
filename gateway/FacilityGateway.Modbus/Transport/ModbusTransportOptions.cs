namespace FacilityGateway.Modbus.Transport;

/// <summary>Timing of a transport.</summary>
public sealed record ModbusTransportOptions
{
    /// <summary>How long to wait for a complete response after the request is sent.</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long to wait for a connection to open.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Extra quiet time after each response before the next request on the same line, on top of the silent interval.
    /// Some meters (Eastron SDM72D among them) reboot or stop answering when polled back to back.
    /// </summary>
    public TimeSpan MinimumRequestGap { get; init; } = TimeSpan.Zero;
}
