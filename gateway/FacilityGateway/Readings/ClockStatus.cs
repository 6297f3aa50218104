namespace FacilityGateway.Readings;

/// <summary>
/// Whether the system clock is synchronised now, as last checked (every 10 s by the clock source). Readings taken
/// while it is not are marked <see cref="Quality.UncertainClockNotSynchronised"/> by the pipeline: timers run on
/// monotonic time, but a reading's time comes from this clock.
/// </summary>
public sealed class ClockStatus
{
    private volatile bool _synchronised = true;

    /// <summary>True until a check says otherwise, and whenever the check is off.</summary>
    public bool Synchronised
    {
        get => _synchronised;
        set => _synchronised = value;
    }

    /// <summary>The reading of a batch as the pipeline passes it on: good values marked while the clock is not synchronised.</summary>
    public ReadingBatch Mark(ReadingBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (_synchronised || !batch.Readings.Any(r => r.Quality == Quality.Good))
            return batch;
        return batch with { Readings = [.. batch.Readings.Select(r => r.Quality == Quality.Good ? r with { Quality = Quality.UncertainClockNotSynchronised } : r)] };
    }
}
