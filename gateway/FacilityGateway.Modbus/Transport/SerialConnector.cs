using System.IO.Ports;

namespace FacilityGateway.Modbus.Transport;

/// <summary>Opens a serial port (System.IO.Ports) for Modbus RTU.</summary>
public sealed class SerialConnector(SerialLineSettings settings) : SerialLineConnector(settings)
{
    /// <inheritdoc />
    public override IModbusConnection Open()
    {
        var port = new SerialPort(Settings.PortName, Settings.BaudRate, Settings.Parity, Settings.DataBits, Settings.StopBits)
        {
            Handshake = Handshake.None,
            ReadBufferSize = 4096,
            WriteBufferSize = 4096,
        };
        try
        {
            port.Open(); // opens a file descriptor; returns at once
            port.DiscardInBuffer();
            return new Connection(port);
        }
        catch
        {
            port.Dispose();
            throw;
        }
    }

    private sealed class Connection(SerialPort port) : IModbusConnection
    {
        public Stream Stream { get; } = port.BaseStream;

        public bool ReusableAfterError => true;

        public void DiscardInput() => port.DiscardInBuffer();

        public ValueTask DisposeAsync()
        {
            port.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
