using System.Net.Sockets;
using System.Text;

namespace FacilityGateway.Monitoring;

/// <summary>
/// sd_notify(3): one datagram per message to the socket systemd names in <c>NOTIFY_SOCKET</c> (a path, or
/// <c>@name</c> in the abstract namespace). Written here rather than taken from Microsoft.Extensions.Hosting.Systemd,
/// whose notifier reads the socket only from the process environment (one per process, so a test cannot own it per
/// host) and only when the parent is systemd; the protocol is this one call.
/// </summary>
public sealed class SystemdNotifySocket(string path)
{
    /// <summary>The socket of <c>NOTIFY_SOCKET</c>, or null when not started by systemd with <c>Type=notify</c>.</summary>
    public static SystemdNotifySocket? FromEnvironment(Func<string, string?> environment) =>
        environment("NOTIFY_SOCKET") is { Length: > 0 } path ? new SystemdNotifySocket(path) : null;

    /// <summary>Sends <paramref name="message"/> (<c>READY=1</c>, <c>WATCHDOG=1</c>, <c>STATUS=...</c>, newline-separated); false when systemd is gone.</summary>
    public async Task<bool> SendAsync(string message, CancellationToken cancellationToken)
    {
        var endpoint = new UnixDomainSocketEndPoint(path.StartsWith('@') ? "\0" + path[1..] : path);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            await socket.SendToAsync(Encoding.UTF8.GetBytes(message), SocketFlags.None, endpoint, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
