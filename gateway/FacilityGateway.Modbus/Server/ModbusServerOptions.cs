using System.Net;
using FacilityGateway.Modbus.Framing;

namespace FacilityGateway.Modbus.Server;

/// <summary>Options of a Modbus server.</summary>
public sealed record ModbusServerOptions
{
    /// <summary>Where a TCP server listens; port 0 picks a free port (see <see cref="ModbusTcpServer.LocalEndPoint"/>).</summary>
    public IPEndPoint Endpoint { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>MBAP (Modbus TCP) or RTU (a serial device server, or a serial port).</summary>
    public IModbusFraming Framing { get; init; } = MbapFraming.Instance;

    /// <summary>Most TCP connections served at once; further ones are closed at once.</summary>
    public int MaxConnections { get; init; } = 64;

    /// <summary>Optional fault injection for simulators and tests.</summary>
    public ModbusFaultInjector? Faults { get; init; }
}
