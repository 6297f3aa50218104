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

    public static async Task<PtyPair> OpenAsync()
    {
        string socat = PeerTools.Require("socat", "socat");
        var process = PeerProcess.Start(socat, "-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0");
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
