using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Readings;

/// <summary>
/// Reads batches from the <see cref="ReadingChannel"/> and hands each to every <see cref="IReadingConsumer"/> in order,
/// good readings marked <see cref="Quality.UncertainClockNotSynchronised"/> while the clock is not synchronised.
/// </summary>
public sealed partial class ReadingPipeline(ReadingChannel channel, IEnumerable<IReadingConsumer> consumers, ClockStatus clock, TimeProvider time, ILogger<ReadingPipeline> logger) : BackgroundService
{
    private readonly IReadingConsumer[] _consumers = [.. consumers];
    private long _movedAt = time.GetTimestamp();

    /// <summary>
    /// How long the oldest waiting batch has waited without the pipeline taking one (zero when nothing waits): a
    /// stage that hangs (the outbox's disk, the alarm engine) shows here while sources keep polling into the channel.
    /// </summary>
    public TimeSpan Stalled => channel.Reader.Count == 0 ? TimeSpan.Zero : time.GetElapsedTime(Interlocked.Read(ref _movedAt));

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var taken in channel.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                var batch = clock.Mark(taken);
                Interlocked.Exchange(ref _movedAt, time.GetTimestamp());
                if (logger.IsEnabled(LogLevel.Debug))
                    LogBatch(batch.DeviceId, batch.Readings.Count, batch.SampledAt);
                foreach (var consumer in _consumers)
                    await consumer.ConsumeAsync(batch, stoppingToken).ConfigureAwait(false);
                Interlocked.Exchange(ref _movedAt, time.GetTimestamp());
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Readings of {DeviceId}: {Count} at {SampledAt:O}")]
    private partial void LogBatch(string deviceId, int count, DateTimeOffset sampledAt);
}
