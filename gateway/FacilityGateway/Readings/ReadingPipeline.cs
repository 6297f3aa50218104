using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Readings;

/// <summary>Reads batches from the <see cref="ReadingChannel"/> and hands each to every <see cref="IReadingConsumer"/> in order.</summary>
public sealed partial class ReadingPipeline(ReadingChannel channel, IEnumerable<IReadingConsumer> consumers, ILogger<ReadingPipeline> logger) : BackgroundService
{
    private readonly IReadingConsumer[] _consumers = [.. consumers];

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var batch in channel.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                if (logger.IsEnabled(LogLevel.Debug))
                    LogBatch(batch.DeviceId, batch.Readings.Count, batch.SampledAt);
                foreach (var consumer in _consumers)
                    await consumer.ConsumeAsync(batch, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Readings of {DeviceId}: {Count} at {SampledAt:O}")]
    private partial void LogBatch(string deviceId, int count, DateTimeOffset sampledAt);
}
