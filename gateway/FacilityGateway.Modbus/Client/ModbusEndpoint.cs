using System.Globalization;
using System.IO.Ports;
using FacilityGateway.Modbus.Framing;
using FacilityGateway.Modbus.Transport;

namespace FacilityGateway.Modbus.Client;

/// <summary>How to reach a line, in the notation installers type on the command line.</summary>
public enum ModbusEndpointKind
{
    /// <summary><c>tcp://host:port</c>: Modbus TCP (MBAP).</summary>
    Tcp,
    /// <summary><c>rtu:///dev/ttyUSB0?baud=9600&amp;parity=even</c>: Modbus RTU on a serial port.</summary>
    Rtu,
    /// <summary><c>rtu+tcp://host:port</c>: RTU frames over a TCP socket (serial device servers).</summary>
    RtuOverTcp,
}

/// <summary>A parsed line address. <see cref="TryParse"/> gives a message an installer can act on.</summary>
public sealed record ModbusEndpoint
{
    /// <summary>The default Modbus TCP port.</summary>
    public const int DefaultTcpPort = 502;

    /// <summary>The kind of line.</summary>
    public required ModbusEndpointKind Kind { get; init; }
    /// <summary>Host for TCP kinds.</summary>
    public string? Host { get; init; }
    /// <summary>Port for TCP kinds.</summary>
    public int Port { get; init; } = DefaultTcpPort;
    /// <summary>Serial settings for RTU.</summary>
    public SerialLineSettings? Serial { get; init; }

    /// <summary>The connector for this endpoint.</summary>
    public IModbusConnector CreateConnector() => Kind switch
    {
        ModbusEndpointKind.Tcp => new TcpConnector(Host!, Port),
        ModbusEndpointKind.RtuOverTcp => new TcpConnector(Host!, Port, "rtu+tcp"),
        ModbusEndpointKind.Rtu => SerialLineConnector.For(Serial!),
        _ => throw new InvalidOperationException($"Unknown endpoint kind {Kind}."),
    };

    /// <summary>The framing for this endpoint.</summary>
    public IModbusFraming Framing => Kind == ModbusEndpointKind.Tcp ? MbapFraming.Instance : RtuFraming.Instance;

    /// <summary>A transport for this endpoint.</summary>
    public ModbusStreamTransport CreateTransport(ModbusTransportOptions? options = null, TimeProvider? timeProvider = null) =>
        new(CreateConnector(), Framing, options, timeProvider);

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        ModbusEndpointKind.Tcp => $"tcp://{Host}:{Port}",
        ModbusEndpointKind.RtuOverTcp => $"rtu+tcp://{Host}:{Port}",
        _ => Serial!.ToString(),
    };

    /// <summary>Parses an endpoint or throws <see cref="FormatException"/> with the reason.</summary>
    public static ModbusEndpoint Parse(string text) =>
        TryParse(text, out var endpoint, out var error) ? endpoint : throw new FormatException(error);

    /// <summary>
    /// Parses <c>tcp://host[:port]</c>, <c>rtu+tcp://host[:port]</c> or
    /// <c>rtu:///dev/ttyUSB0?baud=9600&amp;parity=even&amp;databits=8&amp;stopbits=1</c>.
    /// </summary>
    public static bool TryParse(string text, out ModbusEndpoint endpoint, out string error)
    {
        endpoint = null!;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "empty endpoint; expected tcp://host:port, rtu+tcp://host:port or rtu:///dev/ttyUSB0?baud=9600";
            return false;
        }
        int schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        string scheme = schemeEnd < 0 ? "" : text[..schemeEnd].ToLowerInvariant();
        string rest = schemeEnd < 0 ? text : text[(schemeEnd + 3)..];
        switch (scheme)
        {
            case "tcp":
            case "rtu+tcp":
                if (!TryParseHostPort(rest, out string host, out int port, out error))
                    return false;
                endpoint = new ModbusEndpoint { Kind = scheme == "tcp" ? ModbusEndpointKind.Tcp : ModbusEndpointKind.RtuOverTcp, Host = host, Port = port };
                return true;
            case "rtu":
                return TryParseSerial(rest, out endpoint, out error);
            default:
                error = $"unknown scheme in '{text}'; use tcp://, rtu+tcp:// or rtu://";
                return false;
        }
    }

    private static bool TryParseHostPort(string text, out string host, out int port, out string error)
    {
        host = text.TrimEnd('/');
        port = DefaultTcpPort;
        error = "";
        int colon = host.LastIndexOf(':');
        if (colon >= 0 && !host.EndsWith(']'))
        {
            string portText = host[(colon + 1)..];
            host = host[..colon];
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                error = $"port '{portText}' is not a number from 1 to 65535";
                return false;
            }
        }
        host = host.Trim('[', ']');
        if (host.Length == 0)
        {
            error = "missing host; expected tcp://host:port";
            return false;
        }
        return true;
    }

    private static bool TryParseSerial(string text, out ModbusEndpoint endpoint, out string error)
    {
        endpoint = null!;
        error = "";
        int query = text.IndexOf('?');
        string path = query < 0 ? text : text[..query];
        if (path.Length == 0)
        {
            error = "missing serial device; expected rtu:///dev/ttyUSB0?baud=9600";
            return false;
        }
        var settings = new SerialLineSettings { PortName = path };
        if (query >= 0)
        {
            foreach (string pair in text[(query + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                string[] kv = pair.Split('=', 2);
                string key = kv[0].ToLowerInvariant();
                string value = kv.Length > 1 ? kv[1] : "";
                switch (key)
                {
                    case "baud" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int baud) && baud > 0:
                        settings = settings with { BaudRate = baud };
                        break;
                    case "parity" when Enum.TryParse(value, ignoreCase: true, out Parity parity) && Enum.IsDefined(parity):
                        settings = settings with { Parity = parity };
                        break;
                    case "databits" when value is "7" or "8":
                        settings = settings with { DataBits = value == "7" ? 7 : 8 };
                        break;
                    case "stopbits" when value is "1" or "2":
                        settings = settings with { StopBits = value == "2" ? StopBits.Two : StopBits.One };
                        break;
                    case "baud" or "parity" or "databits" or "stopbits":
                        error = $"bad value '{value}' for {key}; expected baud=<positive number>, parity=none|even|odd, databits=7|8, stopbits=1|2";
                        return false;
                    default:
                        error = $"unknown serial option '{key}'; use baud, parity, databits, stopbits";
                        return false;
                }
            }
        }
        endpoint = new ModbusEndpoint { Kind = ModbusEndpointKind.Rtu, Serial = settings };
        return true;
    }
}
