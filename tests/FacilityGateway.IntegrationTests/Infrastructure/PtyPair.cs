using System.Text.RegularExpressions;

namespace FacilityGateway.IntegrationTests.Infrastructure;

/// <summary>
/// Two pseudo-terminals joined by socat: what one end writes, the other reads, like the two ends of an RS-485 line.
/// Ready when socat has reported both terminals; closed when disposed.
/// </summary>
public sealed partial class PtyPair : IAsyncDisposable
{
    private readonly PeerProcess _socat;

    private PtyPair(PeerProcess socat, string a, string b)
    {
        _socat = socat;
        A = a;
        B = b;
    }

    public string A { get; }
    public string B { get; }

    /// <summary>
    /// Opens a pair. With <paramref name="linkA"/> and <paramref name="linkB"/> socat also makes those symbolic links to
    /// the two terminals, as udev names a USB adapter: a new pair on the same links is the adapter plugged in again.
    /// </summary>
    public static async Task<PtyPair> OpenAsync(string? linkA = null, string? linkB = null)
    {
        string socat = PeerTools.Require("socat", "socat");
        var process = PeerProcess.Start(socat, "-d", "-d", "pty,raw,echo=0" + (linkA is null ? "" : ",link=" + linkA), "pty,raw,echo=0" + (linkB is null ? "" : ",link=" + linkB));
        var ptys = new List<string>();
        await process.WaitForLineAsync(line =>
        {
            var m = PtyLine().Match(line);
            if (m.Success)
                ptys.Add(m.Groups[1].Value);
            return line.Contains("starting data transfer loop", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(10));
        Assert.Equal(2, ptys.Count);
        return new PtyPair(process, ptys[0], ptys[1]);
    }

    [GeneratedRegex(@"PTY is (\S+)")]
    private static partial Regex PtyLine();

    public ValueTask DisposeAsync() => _socat.DisposeAsync();
}
