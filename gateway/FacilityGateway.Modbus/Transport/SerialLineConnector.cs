namespace FacilityGateway.Modbus.Transport;

/// <summary>What every serial connector shares: the line's settings, its description and its silent interval.</summary>
public abstract class SerialLineConnector(SerialLineSettings settings) : IModbusConnector
{
    /// <summary>The line settings.</summary>
    public SerialLineSettings Settings { get; } = settings ?? throw new ArgumentNullException(nameof(settings));

    /// <inheritdoc />
    public string Description => Settings.ToString();

    /// <inheritdoc />
    public TimeSpan InterFrameDelay => Settings.InterFrameDelay;

    /// <summary>The connector for this platform: our own port on Linux (see <see cref="Linux.LinuxSerialPort"/>), System.IO.Ports elsewhere.</summary>
    public static SerialLineConnector For(SerialLineSettings settings) =>
        OperatingSystem.IsLinux() ? new Linux.LinuxSerialConnector(settings) : new SerialConnector(settings);

    /// <summary>Opens the port (a file descriptor: it returns at once). Errors are the platform's exceptions.</summary>
    public abstract IModbusConnection Open();

    /// <inheritdoc />
    public ValueTask<IModbusConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Open());
    }
}
