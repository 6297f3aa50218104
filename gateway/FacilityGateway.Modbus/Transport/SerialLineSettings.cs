using System.IO.Ports;

namespace FacilityGateway.Modbus.Transport;

/// <summary>Settings of an RS-485/RS-232 line. Modbus over Serial Line v1.02 asks for 8 data bits and even parity by default.</summary>
public sealed record SerialLineSettings
{
    /// <summary>Device path, such as <c>/dev/ttyUSB0</c>.</summary>
    public required string PortName { get; init; }
    /// <summary>Baud rate, such as 9600 or 19200.</summary>
    public int BaudRate { get; init; } = 19200;
    /// <summary>Parity; the spec's default is even.</summary>
    public Parity Parity { get; init; } = Parity.Even;
    /// <summary>Data bits: 8 for RTU.</summary>
    public int DataBits { get; init; } = 8;
    /// <summary>Stop bits.</summary>
    public StopBits StopBits { get; init; } = StopBits.One;

    /// <summary>Bits on the wire per character: start, data, parity, stop.</summary>
    public int BitsPerCharacter =>
        1 + DataBits + (Parity == Parity.None ? 0 : 1) + (StopBits is StopBits.Two or StopBits.OnePointFive ? 2 : 1);

    /// <summary>Time one character takes on the wire.</summary>
    public TimeSpan CharacterTime => TimeSpan.FromTicks((long)Math.Round((double)TimeSpan.TicksPerSecond * BitsPerCharacter / BaudRate));

    /// <summary>
    /// The silent interval between frames: 3.5 character times, fixed at 1.75 ms above 19200 baud
    /// (Modbus over Serial Line v1.02, section 2.5.1.1).
    /// </summary>
    public TimeSpan InterFrameDelay => BaudRate > 19200 ? TimeSpan.FromMicroseconds(1750) : TimeSpan.FromTicks((long)Math.Round(3.5 * TimeSpan.TicksPerSecond * BitsPerCharacter / BaudRate));

    /// <summary>Wire time of a frame of <paramref name="bytes"/> bytes, silent interval not included.</summary>
    public TimeSpan FrameTime(int bytes) => CharacterTime * bytes;

    /// <inheritdoc />
    public override string ToString() =>
        $"rtu://{PortName}?baud={BaudRate}&parity={Parity.ToString().ToLowerInvariant()}&databits={DataBits}&stopbits={(StopBits == StopBits.Two ? 2 : 1)}";
}
