using System.Globalization;

namespace FacilityGateway.IntegrationTests.Infrastructure;

/// <summary>
/// A real Mosquitto on a loopback port, with an optional password file and TLS, persistence on (so a restart keeps
/// subscriptions and queued messages). Can be stopped and started again on the same port mid-test.
/// </summary>
public sealed class MosquittoBroker : IAsyncDisposable
{
    public const string User = "gateway";
    public const string Password = "s3cret-for-tests";
    private readonly string _directory;
    private readonly string _config;
    private PeerProcess? _process;

    private MosquittoBroker(string directory, string config, int port)
    {
        _directory = directory;
        _config = config;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Starts a broker; with <paramref name="requireClientCertificate"/> a TLS client must present a certificate of the test CA, whose CN is its user name.</summary>
    public static async Task<MosquittoBroker> StartAsync(TestCertificates? tls = null, bool passwords = true, bool requireClientCertificate = false,
        IReadOnlyList<string>? moreUsers = null, IReadOnlyList<string>? acl = null)
    {
        string mosquitto = PeerTools.Require("mosquitto", "mosquitto");
        string dir = Directory.CreateTempSubdirectory("fg-mqtt-").FullName;
        int port = FreePort.Next();
        var lines = new List<string>
        {
            $"listener {port} 127.0.0.1",
            "persistence true",
            $"persistence_location {dir}/",
            "autosave_interval 1",
            "log_dest stderr",
            "log_type all",
        };
        if (Environment.UserName == "root")
            lines.Add("user root"); // otherwise mosquitto drops to its own user, which cannot read this test's private temp folder
        if (passwords)
        {
            string file = Path.Combine(dir, "passwords");
            var (code, output) = await PeerProcess.RunAsync(TimeSpan.FromSeconds(30), PeerTools.Require("mosquitto_passwd", "mosquitto"), "-b", "-c", file, User, Password);
            Assert.True(code == 0, output);
            foreach (var user in moreUsers ?? [])
            {
                var (added, addOutput) = await PeerProcess.RunAsync(TimeSpan.FromSeconds(30), PeerTools.Require("mosquitto_passwd", "mosquitto"), "-b", file, user, Password);
                Assert.True(added == 0, addOutput);
            }
            if (acl is not null)
            {
                string aclFile = Path.Combine(dir, "acl");
                await File.WriteAllLinesAsync(aclFile, acl);
                lines.Add($"acl_file {aclFile}");
            }
            lines.Add($"password_file {file}");
            lines.Add("allow_anonymous false");
        }
        else
        {
            lines.Add("allow_anonymous true");
        }
        if (tls is not null)
        {
            lines.Add($"cafile {tls.CaFile}");
            lines.Add($"certfile {tls.ServerCertificate}");
            lines.Add($"keyfile {tls.ServerKey}");
            if (requireClientCertificate)
            {
                lines.Add("require_certificate true");
                lines.Add("use_identity_as_username true");
            }
        }
        string config = Path.Combine(dir, "mosquitto.conf");
        await File.WriteAllLinesAsync(config, lines);
        var broker = new MosquittoBroker(dir, config, port);
        await broker.StartAsync();
        return broker;
    }

    /// <summary>Starts (again), ready when it listens.</summary>
    public async Task StartAsync()
    {
        _process = PeerProcess.Start(PeerTools.Require("mosquitto", "mosquitto"), "-c", _config);
        await _process.WaitForLineAsync(l => l.Contains($"Opening ipv4 listen socket on port {Port.ToString(CultureInfo.InvariantCulture)}", StringComparison.Ordinal)
            || l.Contains("mosquitto version", StringComparison.Ordinal) && l.Contains("running", StringComparison.Ordinal), TimeSpan.FromSeconds(20));
    }

    /// <summary>Stops the broker (SIGTERM: it saves its persistence file first).</summary>
    public Task StopAsync() => SignalAsync("-TERM");

    /// <summary>
    /// Waits until the broker has saved its persistence file (every second, <c>autosave_interval 1</c>) after this call,
    /// so the sessions and subscriptions made before it survive a <see cref="KillAsync"/>, as on a broker running long.
    /// </summary>
    public async Task WaitForSaveAsync(TimeSpan timeout)
    {
        var since = DateTime.UtcNow;
        string file = Path.Combine(_directory, "mosquitto.db");
        using var cancel = new CancellationTokenSource(timeout);
        while (!(File.Exists(file) && File.GetLastWriteTimeUtc(file) > since))
            await Task.Delay(50, cancel.Token);
    }

    /// <summary>Kills the broker with SIGKILL: no goodbye to clients, nothing saved (a crash or a pulled plug).</summary>
    public Task KillAsync() => SignalAsync("-KILL");

    private async Task SignalAsync(string signal)
    {
        if (_process is null)
            return;
        using (var kill = System.Diagnostics.Process.Start("kill", [signal, _process.ProcessId.ToString(CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        await _process.WaitForExitAsync(TimeSpan.FromSeconds(20));
        await _process.DisposeAsync();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
            await _process.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
