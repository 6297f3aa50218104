using Microsoft.Extensions.Hosting;

namespace FacilityGateway.Alarms;

/// <summary>Gives the alarm engine its clock: stale rules and escalation, every second.</summary>
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
}
