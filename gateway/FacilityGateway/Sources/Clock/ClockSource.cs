using System.Threading.Channels;
using FacilityGateway.Readings;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Sources.Clock;

/// <summary>
/// The system clock as a source of the gateway device: checks the kernel every <see cref="CheckEvery"/>, keeps
/// <see cref="ClockStatus"/> current (the pipeline marks readings while it is not synchronised), and reports
/// <c>clock.synchronised</c> (1 or 0) when it changes, and at start when it is not synchronised, with a log line.
/// </summary>
internal sealed partial class ClockSource(IKernelClock kernel, ClockStatus status, string assetId, TimeProvider time, ILogger logger) : ISource
{
    /// <summary>How often the kernel is asked.</summary>
    public static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(10);

    /// <summary>The reading's point.</summary>
    public static readonly PointInfo Point = new("clock.synchronised", "System clock synchronised", "", 0);

    public string Name => "system clock";

    public IReadOnlyList<object> MadeFrom => [assetId];

    public async Task RunAsync(ChannelWriter<ReadingBatch> output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        bool? reported = null;
        using var timer = new PeriodicTimer(CheckEvery, time);
        do
        {
            bool synchronised = kernel.IsSynchronised();
            status.Synchronised = synchronised;
            if (reported == synchronised || (reported is null && synchronised))
            {
                reported = synchronised;
                continue;
            }
            reported = synchronised;
            if (synchronised)
                LogSynchronised();
            else
                LogNotSynchronised();
            var at = time.GetUtcNow();
            // Its own reading is good: it says exactly what is known about the clock.
            var reading = new Reading(GatewayDevice.Id, Point.Id, synchronised ? 1 : 0, null, "", Quality.Good, at);
            await output.WriteAsync(new ReadingBatch(GatewayDevice.Id, assetId, at, [reading]), cancellationToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "The system clock is not synchronised (no NTP yet, and no real-time clock?): readings are marked uncertain_clock_not_synchronised until it is")]
    private partial void LogNotSynchronised();

    [LoggerMessage(Level = LogLevel.Information, Message = "The system clock is synchronised: readings are no longer marked")]
    private partial void LogSynchronised();
}
