using System.Diagnostics;
using System.Threading.Channels;

namespace FacilityGateway.IntegrationTests.Infrastructure;

/// <summary>A peer program started for a test and killed (with its children) when the test ends.</summary>
public sealed class PeerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _output = [];

    private PeerProcess(Process process) => _process = process;

    public string Output { get { lock (_output) return string.Join('\n', _output); } }

    public bool HasExited => _process.HasExited;

    public int ProcessId => _process.Id;

    public static PeerProcess Start(string fileName, params string[] arguments) => StartIn(PeerTools.PeersDirectory, fileName, arguments);

    public static PeerProcess StartIn(string workingDirectory, string fileName, params string[] arguments) =>
        StartWith(workingDirectory, new Dictionary<string, string>(), fileName, arguments);

    /// <summary>Starts a program with extra environment variables (LD_PRELOAD, say).</summary>
    public static PeerProcess StartWith(string workingDirectory, IReadOnlyDictionary<string, string> environment, string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        info.Environment["PYTHONUNBUFFERED"] = "1";
        foreach (var (name, value) in environment)
            info.Environment[name] = value;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var peer = new PeerProcess(process);
        process.OutputDataReceived += (_, e) => peer.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => peer.OnLine(e.Data);
        process.Exited += (_, _) => peer._lines.Writer.TryComplete();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return peer;
    }

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.Add(line);
        _lines.Writer.TryWrite(line);
    }

    /// <summary>Waits for the first line that starts with <paramref name="prefix"/>; fails with the peer's output if it exits or times out.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await foreach (var line in _lines.Reader.ReadAllAsync(cts.Token))
                if (match(line))
                    return line;
        }
        catch (OperationCanceledException)
        {
        }
        Assert.Fail($"{_process.StartInfo.FileName} {string.Join(' ', _process.StartInfo.ArgumentList)} gave no expected line within {timeout}; output:\n{Output}");
        return "";
    }

    public Task<string> WaitForLineAsync(string prefix, TimeSpan timeout) => WaitForLineAsync(l => l.StartsWith(prefix, StringComparison.Ordinal), timeout);

    /// <summary>Waits for the process to exit; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{_process.StartInfo.FileName} did not exit within {timeout}; output:\n{Output}");
        }
        return _process.ExitCode;
    }

    /// <summary>Runs a program to completion and returns its exit code and output.</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(TimeSpan timeout, string fileName, params string[] arguments) =>
        RunAsync(timeout, fileName, arguments, PeerTools.PeersDirectory);

    public static async Task<(int ExitCode, string Output)> RunAsync(TimeSpan timeout, string fileName, string[] arguments, string workingDirectory)
    {
        await using var peer = StartIn(workingDirectory, fileName, arguments);
        int code = await peer.WaitForExitAsync(timeout);
        peer._process.WaitForExit(); // drains the redirected output
        return (code, peer.Output);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
