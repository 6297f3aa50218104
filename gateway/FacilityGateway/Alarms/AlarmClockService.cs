using Microsoft.Extensions.Hosting;

namespace FacilityGateway.Alarms;

/// <summary>
/// Gives the alarm engine its clock every second: stale data, schedules, escalation, re-alarm, follow-up, calendar
/// maintenance, digests and the minute's save of the usage counters, which it also saves on a clean stop.
/// </summary>
public sealed class AlarmClockService(AlarmEngine engine, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
                await engine.TickAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await engine.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping took too long: the counters keep what the last minute's save holds.
        }
    }
}
