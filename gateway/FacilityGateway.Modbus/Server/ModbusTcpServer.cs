using System.Net;
using System.Net.Sockets;

namespace FacilityGateway.Modbus.Server;

/// <summary>
/// A Modbus TCP server (MBAP), or with <see cref="Framing.RtuFraming"/> a simulated serial device server (RTU over TCP).
/// Each connection is served on its own task; requests on one connection are answered in order.
/// </summary>
public sealed class ModbusTcpServer : IAsyncDisposable
{
    private readonly ModbusServerOptions _options;
    private readonly ModbusStreamServer _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private TcpListener? _listener;
    private Task? _acceptLoop;
    private int _open;

    /// <summary>Creates a server over a data store; call <see cref="Start"/> to listen.</summary>
    public ModbusTcpServer(IModbusDataStore store, ModbusServerOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _options = options ?? new ModbusServerOptions();
        _server = new ModbusStreamServer(store, _options.Framing, _options.Faults, timeProvider ?? TimeProvider.System);
    }

    /// <summary>The bound address and port, once started.</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)(_listener ?? throw new InvalidOperationException("The server is not started.")).LocalEndpoint;

    /// <summary>Requests received so far.</summary>
    public long Requests => _server.Requests;

    /// <summary>Connections open now.</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    /// <summary>Connections accepted since start.</summary>
    public long AcceptedConnections => Interlocked.Read(ref _accepted);

    private long _accepted;

    /// <summary>Binds and starts accepting connections.</summary>
    public void Start()
    {
        if (_listener is not null)
            throw new InvalidOperationException("The server is already started.");
        _listener = new TcpListener(_options.Endpoint);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start(backlog: 128);
        _acceptLoop = AcceptLoopAsync(_stop.Token);
    }

    private async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener!.AcceptSocketAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            Interlocked.Increment(ref _accepted);
            if (Interlocked.Increment(ref _open) > _options.MaxConnections)
            {
                Interlocked.Decrement(ref _open);
                socket.Dispose();
                continue;
            }
            socket.NoDelay = true;
            lock (_connections)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(ServeConnectionAsync(socket, cancellationToken));
            }
        }
    }

    private async Task ServeConnectionAsync(Socket socket, CancellationToken cancellationToken)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            await _server.ServeAsync(stream, null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or EndOfStreamException or ObjectDisposedException or Protocol.ModbusFramingException)
        {
            // The client went away, sent a damaged frame, or the server stops: close this connection only.
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }

    /// <summary>Stops listening and closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
            return;
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener?.Stop();
        if (_acceptLoop is not null)
            await _acceptLoop.ConfigureAwait(false);
        Task[] open;
        lock (_connections)
            open = [.. _connections];
        await Task.WhenAll(open).ConfigureAwait(false);
        _stop.Dispose();
    }
}
