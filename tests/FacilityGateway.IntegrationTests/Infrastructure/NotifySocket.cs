using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace FacilityGateway.IntegrationTests.Infrastructure;

/// <summary>A systemd notify socket the test owns (what systemd passes as NOTIFY_SOCKET): every datagram received, in order.</summary>
public sealed class NotifySocket : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly Channel<string> _messages = Channel.CreateUnbounded<string>();
    private readonly CancellationTokenSource _stop = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("fg-notify-").FullName;

    public NotifySocket()
    {
        Path = System.IO.Path.Combine(_directory, "notify.sock");
        _socket.Bind(new UnixDomainSocketEndPoint(Path));
        _ = ReceiveAsync();
    }

    public string Path { get; }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                int length = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                _messages.Writer.TryWrite(Encoding.UTF8.GetString(buffer, 0, length));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            _messages.Writer.TryComplete();
        }
    }

    /// <summary>The next message, within <paramref name="timeout"/>.</summary>
    public async Task<string> NextAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            return await _messages.Reader.ReadAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no notify message within {timeout.TotalSeconds} s");
        }
    }

    /// <summary>Reads messages until one matches, within <paramref name="timeout"/>; returns it and those before it.</summary>
    public async Task<(string Match, IReadOnlyList<string> Before)> WaitForAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var before = new List<string>();
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = until - DateTime.UtcNow;
            string message = await NextAsync(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
            if (match(message))
                return (message, before);
            before.Add(message);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        _stop.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
