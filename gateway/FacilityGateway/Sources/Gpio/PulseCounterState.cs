namespace FacilityGateway.Sources.Gpio;

/// <summary>
/// Counts pulses at least <c>minWidth</c> long (active edge to inactive edge), keeps a total that never decreases, and
/// a rate over a sliding window.
/// </summary>
public sealed class PulseCounterState(TimeSpan minWidth, TimeSpan window, double frequency)
{
    private readonly Queue<long> _recent = new();
    private long? _pulseStart;

    /// <summary>Pulses counted, restored across restarts.</summary>
    public long Pulses { get; private set; }

    /// <summary>Pulses rejected as too short.</summary>
    public long Rejected { get; private set; }

    public void Restore(long pulses) => Pulses = Math.Max(Pulses, pulses);

    public void OnActiveEdge(long timestamp) => _pulseStart = timestamp;

    public void OnInactiveEdge(long timestamp)
    {
        if (_pulseStart is not { } start)
            return;
        _pulseStart = null;
        if ((timestamp - start) / frequency < minWidth.TotalSeconds)
        {
            Rejected++;
            return;
        }
        Pulses++;
        _recent.Enqueue(timestamp);
    }

    /// <summary>Pulses per second over the window ending at <paramref name="now"/>.</summary>
    public double PulsesPerSecond(long now)
    {
        long oldest = now - (long)(window.TotalSeconds * frequency);
        while (_recent.Count > 0 && _recent.Peek() < oldest)
            _recent.Dequeue();
        return _recent.Count / window.TotalSeconds;
    }
}
