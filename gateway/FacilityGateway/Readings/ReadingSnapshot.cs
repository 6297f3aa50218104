using System.Collections.Concurrent;

namespace FacilityGateway.Readings;

/// <summary>
/// The latest reading of every point, in process: what a live view (and a test) reads. A value not refreshed within
/// <see cref="StaleAfter"/> is reported as <see cref="Quality.UncertainStale"/>, never as if fresh.
/// </summary>
/// <remarks>
/// Each device keeps one array of its points' latest readings, overwritten in place: an update allocates nothing. (A
/// dictionary entry or a kept batch per update lives about one poll interval, long enough to be promoted by the GC and
/// to pile up in gen 2: at 10,000 points/s that was most of the gateway's heap growth.)
/// </remarks>
public sealed class ReadingSnapshot(TimeProvider timeProvider) : IReadingConsumer
{
    private sealed class DeviceSlot
    {
        public readonly Dictionary<string, int> Index = new(StringComparer.Ordinal);
        public Reading[] Latest = new Reading[8];
    }

    private readonly ConcurrentDictionary<string, DeviceSlot> _devices = new(StringComparer.Ordinal);
    private long _batchCount;

    /// <summary>How old a reading may be before it counts as stale.</summary>
    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Batches seen so far.</summary>
    public long BatchCount => Interlocked.Read(ref _batchCount);

    /// <inheritdoc />
    public ValueTask ConsumeAsync(ReadingBatch batch, CancellationToken cancellationToken)
    {
        DeviceSlot? slot = null;
        string? slotDevice = null;
        foreach (var reading in batch.Readings)
        {
            if (slot is null || !string.Equals(reading.DeviceId, slotDevice, StringComparison.Ordinal))
            {
                slot = _devices.GetOrAdd(reading.DeviceId, static _ => new DeviceSlot());
                slotDevice = reading.DeviceId;
            }
            lock (slot)
            {
                if (!slot.Index.TryGetValue(reading.PointId, out int i))
                {
                    i = slot.Index.Count;
                    slot.Index[reading.PointId] = i;
                    if (i == slot.Latest.Length)
                        Array.Resize(ref slot.Latest, i * 2);
                }
                slot.Latest[i] = reading;
            }
        }
        Interlocked.Increment(ref _batchCount);
        return ValueTask.CompletedTask;
    }

    /// <summary>The latest reading of a point, marked stale when too old; null when never read.</summary>
    public Reading? Get(string deviceId, string pointId)
    {
        if (!_devices.TryGetValue(deviceId, out var slot))
            return null;
        Reading reading;
        lock (slot)
        {
            if (!slot.Index.TryGetValue(pointId, out int i))
                return null;
            reading = slot.Latest[i];
        }
        if (reading.Quality == Quality.Good && timeProvider.GetUtcNow() - reading.SampledAt > StaleAfter)
            return reading with { Quality = Quality.UncertainStale };
        return reading;
    }
}
