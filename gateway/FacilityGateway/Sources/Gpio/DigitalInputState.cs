namespace FacilityGateway.Sources.Gpio;

/// <summary>
/// Debounce of one contact: every edge restarts a quiet period; when the pin has been quiet for the debounce time its
/// level is read, and only a level different from the last reported one is a change. Bounces shorter than the debounce
/// give at most one change; a real change is reported within the debounce time after its last bounce.
/// </summary>
public sealed class DigitalInputState(TimeSpan debounce, bool initialActive)
{
    private long? _quietFrom;

    /// <summary>The last reported state.</summary>
    public bool Active { get; private set; } = initialActive;

    /// <summary>An edge happened at <paramref name="timestamp"/>.</summary>
    public void OnEdge(long timestamp) => _quietFrom = timestamp;

    /// <summary>When the pending check is due, if one is.</summary>
    public long? DueAt(TimeProvider time) => _quietFrom is { } from ? from + (long)(debounce.TotalSeconds * time.TimestampFrequency) : null;

    /// <summary>At <paramref name="now"/>, with the pin reading <paramref name="levelActive"/>: true when the state changed.</summary>
    public bool Settle(long now, bool levelActive, TimeProvider time)
    {
        if (DueAt(time) is { } due && now < due)
            return false;
        _quietFrom = null;
        if (levelActive == Active)
            return false;
        Active = levelActive;
        return true;
    }

    /// <summary>A periodic re-read outside any pending debounce: heals a missed edge.</summary>
    public bool Reread(bool levelActive)
    {
        if (_quietFrom is not null || levelActive == Active)
            return false;
        Active = levelActive;
        return true;
    }
}
