using System.Net;
using System.Net.Sockets;

namespace FacilityGateway.IntegrationTests.Infrastructure;

/// <summary>What a <see cref="FaultProxy"/> does to the bytes it carries.</summary>
public enum ProxyFault
{
    /// <summary>Passes everything on at once.</summary>
    None,
    /// <summary>Holds every chunk 300 ms.</summary>
    Latency,
    /// <summary>Passes at most 2 KB a second each way.</summary>
    Bandwidth,
    /// <summary>Resets the connection (RST) in the middle of the next frame, after 7 of its bytes.</summary>
    ResetMidFrame,
    /// <summary>Takes connections and bytes and passes nothing on, answers nothing.</summary>
    BlackHole,
    /// <summary>Passes everything on one byte per write.</summary>
    OneByteSlices,
    /// <summary>Closes the connection (FIN) once 100 bytes have passed one way.</summary>
    CloseAfterBytes,
}

/// <summary>
/// A TCP proxy on loopback between the gateway and one real peer (Mosquitto, InfluxDB, a webhook receiver, a Modbus
/// server), injecting one <see cref="ProxyFault"/> while <see cref="Fault"/> is set. Setting it back to
/// <see cref="ProxyFault.None"/> aborts the connections opened under the fault, as a network that comes back would,
/// so the gateway's own reconnect is what recovers.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Link> _connections = [];
    private readonly Task _accepting;
    private ProxyFault _fault;

    public FaultProxy(int targetPort)
    {
        _target = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The proxy's port: where the gateway is pointed.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections accepted so far.</summary>
    public int Accepted { get; private set; }

    /// <summary>One proxied connection; <see cref="Faulted"/> once a fault touched it.</summary>
    private sealed class Link(Socket client, Socket server)
    {
        public Socket Client => client;
        public Socket Server => server;
        public volatile bool Faulted;
    }

    /// <summary>The fault, for the open connections and the ones to come, until set back to <see cref="ProxyFault.None"/>.</summary>
    public ProxyFault Fault
    {
        get => _fault;
        set
        {
            _fault = value;
            if (value != ProxyFault.None)
                return;
            lock (_connections)
            {
                foreach (var link in _connections.Where(c => c.Faulted))
                {
                    Abort(link.Client);
                    Abort(link.Server);
                }
                _connections.RemoveAll(c => c.Faulted);
            }
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            Accepted++;
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            client.NoDelay = true;
            var link = new Link(client, server) { Faulted = _fault != ProxyFault.None };
            lock (_connections)
                _connections.Add(link);
            if (_fault == ProxyFault.BlackHole)
            {
                _ = DrainAsync(client); // a black hole takes the connection and answers nothing
                continue;
            }
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
            }
            catch (SocketException)
            {
                Abort(client); // the peer is down: so is the way to it
                continue;
            }
            _ = PumpAsync(link, client, server);
            _ = PumpAsync(link, server, client);
        }
    }

    private async Task DrainAsync(Socket client)
    {
        var buffer = new byte[4096];
        try
        {
            while (await client.ReceiveAsync(buffer, SocketFlags.None, _stop.Token) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private async Task PumpAsync(Link link, Socket from, Socket to)
    {
        var buffer = new byte[8192];
        long passed = 0;
        try
        {
            while (true)
            {
                int read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }
                var fault = _fault;
                if (fault != ProxyFault.None)
                    link.Faulted = true;
                switch (fault)
                {
                    case ProxyFault.BlackHole:
                        break; // swallowed: the bytes go nowhere, nothing comes back
                    case ProxyFault.Latency:
                        await Task.Delay(300, _stop.Token);
                        await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
                        break;
                    case ProxyFault.Bandwidth:
                        for (int offset = 0; offset < read; offset += 256)
                        {
                            await to.SendAsync(buffer.AsMemory(offset, Math.Min(256, read - offset)), SocketFlags.None, _stop.Token);
                            await Task.Delay(125, _stop.Token); // 256 B per 125 ms: 2 KB/s
                        }
                        break;
                    case ProxyFault.OneByteSlices:
                        for (int i = 0; i < read; i++)
                            await to.SendAsync(buffer.AsMemory(i, 1), SocketFlags.None, _stop.Token);
                        break;
                    case ProxyFault.ResetMidFrame:
                        await to.SendAsync(buffer.AsMemory(0, Math.Min(read, 7)), SocketFlags.None, _stop.Token);
                        Abort(from);
                        Abort(to);
                        return;
                    case ProxyFault.CloseAfterBytes when passed + read > 100:
                        await to.SendAsync(buffer.AsMemory(0, (int)Math.Max(0, 100 - passed)), SocketFlags.None, _stop.Token);
                        from.Close();
                        to.Close();
                        return;
                    default:
                        await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
                        break;
                }
                passed += read;
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            Abort(from);
            Abort(to);
        }
    }

    /// <summary>Closes with a reset (linger 0), as a cut cable or a firewall would.</summary>
    private static void Abort(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }
        lock (_connections)
            foreach (var link in _connections)
            {
                Abort(link.Client);
                Abort(link.Server);
            }
        _stop.Dispose();
    }
}
