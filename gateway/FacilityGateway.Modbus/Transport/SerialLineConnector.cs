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

    /// <summary>
    /// Why this platform's port cannot take the settings (a baud rate Linux has no speed for, say), checked without
    /// opening anything; null when it can. The same check the port makes when it opens, so a configuration that
    /// passes it is not refused later.
    /// </summary>
    public static string? SettingsProblem(SerialLineSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!OperatingSystem.IsLinux())
            return null;
        try
        {
            Linux.LinuxSerialPort.Configure(settings);
            return null;
        }
        catch (IOException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>Opens the port (a file descriptor: it returns at once). Errors are the platform's exceptions.</summary>
    public abstract IModbusConnection Open();

    /// <inheritdoc />
    public ValueTask<IModbusConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Open());
    }
}
