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

    /// <inheritdoc />
    public abstract ValueTask<IModbusConnection> ConnectAsync(CancellationToken cancellationToken);
}
