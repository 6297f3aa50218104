namespace FacilityGateway.Modbus.Transport;

/// <summary>Opens the byte stream of a line: a TCP socket or a serial port.</summary>
public interface IModbusConnector
{
    /// <summary>A short description of the line, such as <c>rtu:///dev/ttyUSB0?baud=9600</c>.</summary>
    string Description { get; }

    /// <summary>The silent interval the line needs before each request (3.5 character times on a serial line; zero on TCP).</summary>
    TimeSpan InterFrameDelay { get; }

    /// <summary>Opens the line. Errors surface as the platform's exceptions; the transport translates them.</summary>
    ValueTask<IModbusConnection> ConnectAsync(CancellationToken cancellationToken);
}

/// <summary>An open line.</summary>
public interface IModbusConnection : IAsyncDisposable
{
    /// <summary>The byte stream.</summary>
    Stream Stream { get; }

    /// <summary>
    /// True when the line may be used again after a timeout or a damaged frame once stray input is discarded (a serial port);
    /// false when it must be closed and opened again so a late response can never be taken for the next one (TCP).
    /// </summary>
    bool ReusableAfterError { get; }

    /// <summary>Drops bytes that arrived outside an exchange, without waiting.</summary>
    void DiscardInput();
}
