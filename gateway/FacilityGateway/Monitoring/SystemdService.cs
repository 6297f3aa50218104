using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Monitoring;

/// <summary>
/// Tells systemd (<c>Type=notify</c>) how the gateway is: <c>READY=1</c> once every service has started (the
/// configuration is loaded and the outbox open by then), <c>STATUS=</c> lines, <c>STOPPING=1</c>; and, when the unit
/// has <c>WatchdogSec=</c>, <c>WATCHDOG=1</c> every half period only while <see cref="PipelineHealthCheck"/> passes:
/// a stuck outbox thread or reading pipeline stops the pets, and systemd restarts the gateway. Does nothing when not
/// started by systemd.
/// </summary>
public sealed partial class SystemdService(MonitoringPlan plan, HealthCheckService health, IHostApplicationLifetime lifetime, TimeProvider time,
    ILogger<SystemdService> logger, Func<string, string?>? environment = null) : BackgroundService
{
    private readonly Func<string, string?> _environment = environment ?? Environment.GetEnvironmentVariable;

    /// <summary>Pets sent so far (for tests and diagnosis).</summary>
    public long Pets { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (SystemdNotifySocket.FromEnvironment(_environment) is not { } socket)
            return;
        try
        {
            await WaitForStartedAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        using var stopping = lifetime.ApplicationStopping.Register(() => _ = socket.SendAsync("STOPPING=1\nSTATUS=Stopping", CancellationToken.None));
        int devices = plan.Devices;
        string running = $"Running: {devices} device(s), outbox open";
        await socket.SendAsync($"READY=1\nSTATUS={running}", stoppingToken).ConfigureAwait(false);
        if (WatchdogInterval() is not { } period)
            return;
        bool healthy = true;
        using var timer = new PeriodicTimer(period / 2, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                var report = await health.CheckHealthAsync(c => c.Tags.Contains(PipelineHealthCheck.Tag), stoppingToken).ConfigureAwait(false);
                if (report.Status == HealthStatus.Healthy)
                {
                    await socket.SendAsync(healthy ? "WATCHDOG=1" : $"WATCHDOG=1\nSTATUS={running}", stoppingToken).ConfigureAwait(false);
                    Pets++;
                    if (!healthy)
                        LogMovesAgain();
                    healthy = true;
                    continue;
                }
                string why = string.Join("; ", report.Entries.Values.Where(e => e.Status != HealthStatus.Healthy).Select(e => e.Description));
                if (healthy)
                    LogStuck(why, period.TotalSeconds);
                healthy = false;
                await socket.SendAsync($"STATUS=Not petting the watchdog: {why}", stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task WaitForStartedAsync(CancellationToken cancellationToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            await started.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The unit's <c>WatchdogSec=</c> (systemd passes it as <c>WATCHDOG_USEC</c>, for <c>WATCHDOG_PID</c> if set).</summary>
    private TimeSpan? WatchdogInterval()
    {
        if (_environment("WATCHDOG_PID") is { Length: > 0 } pid && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
            return null;
        return long.TryParse(_environment("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out long usec) && usec > 0
            ? TimeSpan.FromMicroseconds(usec)
            : null;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The pipeline does not move ({Reason}): the systemd watchdog is not petted, and systemd restarts the gateway within {Seconds} s unless it moves again")]
    private partial void LogStuck(string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "The pipeline moves again: petting the systemd watchdog")]
    private partial void LogMovesAgain();
}
