using System.Collections.Concurrent;

namespace FacilityGateway.Readings;

/// <summary>
/// The latest reading of every point, in process: what a live view (and a test) reads. A value not refreshed within
/// <see cref="StaleAfter"/> intervals' worth of time is reported as <see cref="Quality.UncertainStale"/>, never as if fresh.
/// </summary>
public sealed class ReadingSnapshot(TimeProvider timeProvider) : IReadingConsumer
{
    private readonly ConcurrentDictionary<(string Device, string Point), Reading> _latest = new();
    private readonly ConcurrentDictionary<string, ReadingBatch> _batches = new(StringComparer.Ordinal);
    private long _batchCount;

    /// <summary>How old a reading may be before it counts as stale.</summary>
    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Batches seen so far.</summary>
    public long BatchCount => Interlocked.Read(ref _batchCount);

    /// <inheritdoc />
    public ValueTask ConsumeAsync(ReadingBatch batch, CancellationToken cancellationToken)
    {
        foreach (var reading in batch.Readings)
            _latest[(reading.DeviceId, reading.PointId)] = reading;
        _batches[batch.DeviceId] = batch;
        Interlocked.Increment(ref _batchCount);
        return ValueTask.CompletedTask;
    }

    /// <summary>The latest reading of a point, marked stale when too old; null when never read.</summary>
    public Reading? Get(string deviceId, string pointId)
    {
        if (!_latest.TryGetValue((deviceId, pointId), out var reading))
            return null;
        if (reading.Quality == Quality.Good && timeProvider.GetUtcNow() - reading.SampledAt > StaleAfter)
            return reading with { Quality = Quality.UncertainStale };
        return reading;
    }

    /// <summary>The latest batch of a device.</summary>
    public ReadingBatch? LatestBatch(string deviceId) => _batches.GetValueOrDefault(deviceId);

    /// <summary>Every point's latest reading.</summary>
    public IReadOnlyList<Reading> All() => [.. _latest.Keys.Select(k => Get(k.Device, k.Point)!.Value)];
}
