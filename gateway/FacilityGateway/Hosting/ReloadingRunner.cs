using System.Runtime.InteropServices;
using FacilityGateway.Configuration;
using FacilityGateway.Configuration.Yaml;
using FacilityGateway.Readings;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;

namespace FacilityGateway.Hosting;

/// <summary>
/// Runs the gateway and reloads its configuration on SIGHUP (<c>systemctl reload</c>, <c>facility-gateway reload</c>):
/// the file is loaded and validated while the gateway runs on. A good one replaces the pipeline in this process (same
/// PID, the data directory's lock kept), but not what did not change: the sources outlive the host
/// (<see cref="SourcesAcrossReloads"/>), and the new host's plan restarts only the sources whose line or devices changed,
/// while the others keep polling into the reading channel. The pipeline after the channel (alarms, tickets, outbox,
/// delivery, dashboard) stops as on SIGTERM, storing alarm states, tickets and usage counters in the outbox, and the
/// new one loads them; a changed GPIO source stores its pulse totals, and its new version loads them. A bad file
/// changes nothing: each finding is logged with its file and line, <see cref="ReloadHistory"/> counts it
/// (<c>/metrics</c>), and the gateway reports <c>config.reload_ok</c> 0 with the first finding (MQTT, InfluxDB). What
/// cannot change without a restart (<c>data_directory</c>, <c>logging:</c>) is refused with a finding that says so.
/// </summary>
public sealed class ReloadingRunner(string path, GatewayConfig initial, Serilog.Core.Logger logger)
{
    /// <summary>What the reloads of this process came to.</summary>
    public ReloadHistory History { get; } = new();

    /// <summary>Runs until stopped; the exit code of the last host.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var requests = System.Threading.Channels.Channel.CreateBounded<bool>(new System.Threading.Channels.BoundedChannelOptions(1)
        {
            FullMode = System.Threading.Channels.BoundedChannelFullMode.DropWrite, // several SIGHUPs while one reload runs: one more reload
        });
        // Started with SIGHUP ignored (nohup, some supervisors and CI runners pass SIG_IGN on), .NET keeps it ignored and
        // a reload request would vanish: the fresh-machine CI failure of the reload test. Reset to the default first,
        // so that the registration below takes it.
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
            _ = ResetSignal(1 /* SIGHUP */, IntPtr.Zero /* SIG_DFL */);
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true; // SIGHUP must not end the process
            requests.Writer.TryWrite(true);
        });
        var config = initial;
        var log = logger.ForContext("SourceContext", "FacilityGateway.Reload");
        using var loggers = new Serilog.Extensions.Logging.SerilogLoggerFactory(logger);
        var carried = new SourcesAcrossReloads(loggers);
        try
        {
            return await RunHostsAsync(config, carried, requests.Reader, log, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            carried.Close(); // a host that failed to start leaves sources running: stopped now, with no outbox to store in
            await carried.Sources.StopAllAsync().ConfigureAwait(false);
            carried.Sources.Dispose();
        }
    }

    private async Task<int> RunHostsAsync(GatewayConfig config, SourcesAcrossReloads carried, System.Threading.Channels.ChannelReader<bool> requests, Serilog.ILogger log, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var host = GatewayHost.Build(config, logger, services =>
            {
                services.AddSingleton(History);
                carried.Register(services);
            });
            carried.Attach(host);
            carried.Sources.KeepRunningAtStop = false;
            GatewayConfig? next = null;
            int code = await GatewayHost.RunAsync(host, async stoppingToken =>
            {
                while (await requests.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
                {
                    requests.TryRead(out _);
                    var (candidate, findings) = Load(config);
                    if (candidate is not null)
                    {
                        // Said before the running pipeline stops, so a slow stop is told apart from a reload never asked for.
                        log.Information("Configuration {Path} accepted ({Devices} device(s)): stopping the running pipeline to start on it", path, candidate.Devices.Count);
                        next = candidate;
                        carried.Sources.KeepRunningAtStop = true; // the next host applies its plan to them
                        return true; // stop this host; the next one starts on the new configuration
                    }
                    History.RecordRefused(findings);
                    foreach (var finding in findings.Where(f => f.Severity == ConfigSeverity.Error))
                        log.Error("Reload refused: {Finding}", finding.ToString());
                    log.Error("The configuration {Path} was not reloaded ({Errors} error(s)): the gateway runs on the last good one. Fix the file and reload again",
                        path, findings.Count(f => f.Severity == ConfigSeverity.Error));
                    await ReportAsync(host, config, findings.First(f => f.Severity == ConfigSeverity.Error), stoppingToken).ConfigureAwait(false);
                }
                return false;
            }, cancellationToken).ConfigureAwait(false);
            carried.Detach();
            if (next is null)
                return code;
            await Notify("RELOADING=1\nSTATUS=Reloading the configuration", cancellationToken).ConfigureAwait(false);
            History.RecordApplied();
            log.Information("Configuration {Path} reloaded: {Devices} device(s) from {Files} file(s)", path, next.Devices.Count, next.Files.Count);
            config = next;
        }
    }

    /// <summary>The new configuration, or null with the findings that refuse it.</summary>
    private (GatewayConfig? Config, IReadOnlyList<ConfigError> Findings) Load(GatewayConfig running)
    {
        var errors = new ConfigErrors();
        var candidate = GatewayParts.LoadUnchecked(path, errors, SecretLookup.Find);
        if (candidate is not null && !errors.HasErrors)
        {
            if (Path.GetFullPath(candidate.Gateway.DataDirectory) != Path.GetFullPath(running.Gateway.DataDirectory))
                errors.Error(candidate.Gateway.OriginOf("data_directory"), candidate.Gateway.PathOf("data_directory"),
                    $"data_directory changed from {running.Gateway.DataDirectory}: a reload keeps the outbox it has open", "restart the gateway to move its state");
        }
        return errors.HasErrors || candidate is null ? (null, errors.Items.Count > 0 ? errors.Items : [new ConfigError(new SourceLocation(path, 0, 0), "", "cannot be read")]) : (candidate, errors.Items);
    }

    /// <summary>The refusal as the gateway's own reading, so it reaches MQTT and InfluxDB beside its other health.</summary>
    private static async Task ReportAsync(IHost host, GatewayConfig config, ConfigError first, CancellationToken cancellationToken)
    {
        var time = host.Services.GetRequiredService<TimeProvider>();
        var now = time.GetUtcNow();
        var reading = new Reading(GatewayDevice.Id, "config.reload_ok", 0, first.ToString().Split('\n')[0], "", Quality.Good, now);
        await host.Services.GetRequiredService<ReadingChannel>().Writer.WriteAsync(new ReadingBatch(GatewayDevice.Id, config.Gateway.Id, now, [reading]), cancellationToken).ConfigureAwait(false);
    }

    private static async Task Notify(string message, CancellationToken cancellationToken)
    {
        if (Monitoring.SystemdNotifySocket.FromEnvironment(Environment.GetEnvironmentVariable) is { } socket)
            await socket.SendAsync(message, cancellationToken).ConfigureAwait(false);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "signal")]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    private static extern IntPtr ResetSignal(int signal, IntPtr handler);
}
