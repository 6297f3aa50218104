using FacilityGateway.Modbus.Protocol;

namespace FacilityGateway.Modbus.Client;

/// <summary>
/// Bounded retries chosen by cause. Busy, acknowledge, a gateway whose target did not answer, timeouts and lost
/// connections back off exponentially (capped); a damaged frame is retried at once; illegal function, address or value
/// and a server failure are never retried, since asking again gives the same answer.
/// </summary>
public sealed record ModbusRetryPolicy
{
    /// <summary>No retries at all.</summary>
    public static readonly ModbusRetryPolicy None = new() { MaxRetries = 0 };

    /// <summary>Retries after the first attempt; 0 disables retrying.</summary>
    public int MaxRetries { get; init; } = 2;

    /// <summary>Wait before the first retry; doubled for each further one.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Longest wait between two attempts.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>True when asking again may give another answer.</summary>
    public static bool IsRetryable(ModbusException exception) => exception switch
    {
        ModbusServerException server => server.Code is ModbusExceptionCode.ServerDeviceBusy
            or ModbusExceptionCode.Acknowledge
            or ModbusExceptionCode.GatewayTargetDeviceFailedToRespond,
        ModbusTransportException => true,
        _ => false,
    };

    /// <summary>
    /// The wait before retry number <paramref name="retry"/> (1-based) after <paramref name="exception"/>,
    /// or null when it must not be retried.
    /// </summary>
    public TimeSpan? DelayBeforeRetry(int retry, ModbusException exception)
    {
        if (retry > MaxRetries || !IsRetryable(exception))
            return null;
        if (exception is ModbusFramingException)
            return TimeSpan.Zero;
        double factor = Math.Pow(2, Math.Min(retry - 1, 30));
        var delay = TimeSpan.FromTicks((long)Math.Min(InitialBackoff.Ticks * factor, MaxBackoff.Ticks));
        return delay;
    }
}
