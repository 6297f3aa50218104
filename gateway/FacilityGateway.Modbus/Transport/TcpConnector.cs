using System.Net.Sockets;

namespace FacilityGateway.Modbus.Transport;

/// <summary>Opens a TCP connection (Nagle off) to a Modbus TCP server or a serial device server.</summary>
public sealed class TcpConnector : IModbusConnector
{
    private readonly string _scheme;

    /// <summary>Creates a connector for <paramref name="host"/>:<paramref name="port"/>.</summary>
    public TcpConnector(string host, int port, string scheme = "tcp")
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        Host = host;
        Port = port;
        _scheme = scheme;
    }

    /// <summary>Host name or address.</summary>
    public string Host { get; }

    /// <summary>TCP port.</summary>
    public int Port { get; }

    /// <inheritdoc />
    public string Description => $"{_scheme}://{Host}:{Port}";

    /// <inheritdoc />
    public TimeSpan InterFrameDelay => TimeSpan.Zero;

    /// <inheritdoc />
    public async ValueTask<IModbusConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(Host, Port, cancellationToken).ConfigureAwait(false);
            return new Connection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private sealed class Connection(Socket socket) : IModbusConnection
    {
        private readonly byte[] _scratch = new byte[256];

        public Stream Stream { get; } = new NetworkStream(socket, ownsSocket: true);

        public bool ReusableAfterError => false;

        public void DiscardInput()
        {
            // Only what has already arrived: Receive never blocks while Available > 0.
            while (socket.Available > 0)
                socket.Receive(_scratch, Math.Min(socket.Available, _scratch.Length), SocketFlags.None);
        }

        public ValueTask DisposeAsync() => Stream.DisposeAsync();
    }
}
