namespace FacilityGateway.Modbus.Transport.Linux;

/// <summary>Opens a serial port for Modbus RTU on Linux with <see cref="LinuxSerialPort"/> (no polling loop, see there).</summary>
public sealed class LinuxSerialConnector(SerialLineSettings settings) : SerialLineConnector(settings)
{
    /// <inheritdoc />
    public override IModbusConnection Open() => new Connection(LinuxSerialPort.Open(Settings));

    private sealed class Connection(LinuxSerialPort port) : IModbusConnection
    {
        public Stream Stream => port;

        public bool ReusableAfterError => true;

        public void DiscardInput() => port.DiscardInput();

        public ValueTask DisposeAsync()
        {
            port.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
