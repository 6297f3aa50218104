using System.IO.Ports;
using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Configuration;

/// <summary>A line that requests share: a serial port, or one TCP endpoint (a Modbus TCP gateway or a serial device server).</summary>
public sealed class LineOptions : ConfigNode
{
    /// <summary>Unique id, referred to by devices.</summary>
    [RequiredKey, Describe("add 'id:', for example id: rs485-1")]
    public string Id { get; init; } = "";

    /// <summary>A serial port (Modbus RTU).</summary>
    public SerialPortOptions? Serial { get; init; }

    /// <summary>A TCP endpoint.</summary>
    public TcpEndpointOptions? Tcp { get; init; }

    /// <summary>Default response timeout of the devices on this line.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Extra quiet time between a response and the next request (meters that cannot be polled back to back).</summary>
    public TimeSpan MinRequestGap { get; init; } = TimeSpan.Zero;
}

/// <summary>Serial port settings. Modbus RTU's default is 8 data bits, even parity, 1 stop bit.</summary>
public sealed class SerialPortOptions : ConfigNode
{
    /// <summary>Device path, such as /dev/ttyUSB0 or /dev/serial/by-id/...</summary>
    [RequiredKey, Describe("add 'device:', for example device: /dev/ttyUSB0")]
    public string Device { get; init; } = "";

    /// <summary>Baud rate.</summary>
    [Range(300, 921600)]
    public int Baud { get; init; } = 9600;

    /// <summary>Parity.</summary>
    public Parity Parity { get; init; } = Parity.Even;

    /// <summary>Data bits.</summary>
    [Range(7, 8)]
    public int DataBits { get; init; } = 8;

    /// <summary>Stop bits: 1 or 2.</summary>
    [Range(1, 2)]
    public int StopBits { get; init; } = 1;
}

/// <summary>How frames are carried over TCP.</summary>
public enum TcpFraming
{
    /// <summary>Modbus TCP (MBAP header).</summary>
    Mbap,
    /// <summary>RTU frames over TCP (transparent serial device servers).</summary>
    Rtu,
}

/// <summary>A TCP endpoint.</summary>
public sealed class TcpEndpointOptions : ConfigNode
{
    /// <summary>Host name or address.</summary>
    [RequiredKey, Describe("add 'host:', for example host: 10.20.0.15")]
    public string Host { get; init; } = "";

    /// <summary>Port.</summary>
    [Range(1, 65535)]
    public int Port { get; init; } = 502;

    /// <summary>Framing on the connection.</summary>
    public TcpFraming Framing { get; init; } = TcpFraming.Mbap;
}
