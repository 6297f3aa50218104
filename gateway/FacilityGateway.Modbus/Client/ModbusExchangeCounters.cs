using FacilityGateway.Modbus.Protocol;

namespace FacilityGateway.Modbus.Client;

/// <summary>
/// Every exchange a client attempted and how each failed, retries included: a CRC error that the next attempt cured
/// is still a CRC error on the wire, which is what an installer looking for a bad termination or a noisy cable wants
/// to see. Counted lock-free; read at any time from any thread. Several clients of one device may share one.
/// </summary>
public sealed class ModbusExchangeCounters
{
    private long _exchanges;
    private long _timeouts;
    private long _crcErrors;
    private long _framingErrors;
    private long _connectionErrors;
    private long _exceptionResponses;

    /// <summary>Requests sent (each retry counts).</summary>
    public long Exchanges => Interlocked.Read(ref _exchanges);

    /// <summary>No complete answer within the response timeout.</summary>
    public long Timeouts => Interlocked.Read(ref _timeouts);

    /// <summary>RTU frames whose CRC-16 did not match.</summary>
    public long CrcErrors => Interlocked.Read(ref _crcErrors);

    /// <summary>Other damaged or mismatched frames (wrong transaction id, unit, function, length).</summary>
    public long FramingErrors => Interlocked.Read(ref _framingErrors);

    /// <summary>The connection could not be opened or was lost.</summary>
    public long ConnectionErrors => Interlocked.Read(ref _connectionErrors);

    /// <summary>The device answered with a Modbus exception (busy, illegal address...).</summary>
    public long ExceptionResponses => Interlocked.Read(ref _exceptionResponses);

    internal void Sent() => Interlocked.Increment(ref _exchanges);

    internal void Failed(ModbusException failure)
    {
        switch (failure)
        {
            case ModbusTimeoutException:
                Interlocked.Increment(ref _timeouts);
                break;
            case ModbusFramingException { Error: ModbusFramingError.Crc }:
                Interlocked.Increment(ref _crcErrors);
                break;
            case ModbusFramingException:
                Interlocked.Increment(ref _framingErrors);
                break;
            case ModbusConnectionException:
                Interlocked.Increment(ref _connectionErrors);
                break;
            default:
                Interlocked.Increment(ref _exceptionResponses);
                break;
        }
    }
}
