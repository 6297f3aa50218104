using Microsoft.Extensions.Time.Testing;

namespace FacilityGateway.Tests.Alarms;

/// <summary>A wall clock that jumps (NTP) while the monotonic clock goes on.</summary>
internal sealed class SteppedClock(FakeTimeProvider inner) : TimeProvider
{
    public TimeSpan Step { get; set; }
    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + Step;
    public override long GetTimestamp() => inner.GetTimestamp();
    public override long TimestampFrequency => inner.TimestampFrequency;
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => inner.CreateTimer(callback, state, dueTime, period);
}
