using FacilityGateway.Sources.Gpio;
using Microsoft.Extensions.Time.Testing;

namespace FacilityGateway.Tests.Gpio;

public class GpioStateTests
{
    [Fact]
    public void Debounce_BouncesShorterThanTheDebounce_GiveOneChange_ReportedWithinDebounce()
    {
        var time = new FakeTimeProvider();
        var input = new DigitalInputState(TimeSpan.FromMilliseconds(50), initialActive: false);
        int changes = 0;
        bool level = false;
        long lastEdge = 0;
        // A contact closes with 8 bounces 3 ms apart, ending closed.
        for (int i = 0; i < 9; i++)
        {
            level = !level;
            lastEdge = time.GetTimestamp();
            input.OnEdge(lastEdge);
            time.Advance(TimeSpan.FromMilliseconds(3));
            if (input.Settle(time.GetTimestamp(), level, time))
                changes++;
        }
        for (int ms = 0; ms < 100; ms++)
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
            if (input.Settle(time.GetTimestamp(), level, time))
            {
                changes++;
                Assert.InRange(time.GetElapsedTime(lastEdge).TotalMilliseconds, 50, 52);
            }
        }
        Assert.Equal(1, changes);
        Assert.True(input.Active);
    }

    [Fact]
    public void Debounce_AGlitchThatReturns_GivesNoChange()
    {
        var time = new FakeTimeProvider();
        var input = new DigitalInputState(TimeSpan.FromMilliseconds(50), initialActive: false);
        input.OnEdge(time.GetTimestamp());
        time.Advance(TimeSpan.FromMilliseconds(2));
        input.OnEdge(time.GetTimestamp());
        time.Advance(TimeSpan.FromMilliseconds(60));
        Assert.False(input.Settle(time.GetTimestamp(), levelActive: false, time));
        Assert.False(input.Active);
    }

    [Fact]
    public void Reread_HealsAMissedEdge()
    {
        var input = new DigitalInputState(TimeSpan.FromMilliseconds(50), initialActive: false);
        Assert.True(input.Reread(levelActive: true));
        Assert.True(input.Active);
    }

    [Fact]
    public void Pulses_1kHzFor10s_NoneLost_RateWithin1Percent_GlitchesRejected()
    {
        var time = new FakeTimeProvider();
        var counter = new PulseCounterState(TimeSpan.FromMilliseconds(0.2), TimeSpan.FromSeconds(10), time.TimestampFrequency);
        for (int i = 0; i < 10_000; i++)
        {
            counter.OnActiveEdge(time.GetTimestamp());
            time.Advance(TimeSpan.FromMilliseconds(0.5));
            counter.OnInactiveEdge(time.GetTimestamp());
            time.Advance(TimeSpan.FromMilliseconds(0.45));
            // a 0.05 ms glitch between pulses: too short to count
            counter.OnActiveEdge(time.GetTimestamp());
            time.Advance(TimeSpan.FromMilliseconds(0.05));
            counter.OnInactiveEdge(time.GetTimestamp());
        }
        Assert.Equal(10_000, counter.Pulses);
        Assert.Equal(10_000, counter.Rejected);
        Assert.InRange(counter.PulsesPerSecond(time.GetTimestamp()), 990, 1010);
    }

    [Fact]
    public void Pulses_RestoredTotal_NeverDecreases()
    {
        var counter = new PulseCounterState(TimeSpan.Zero, TimeSpan.FromSeconds(60), 1_000_000);
        counter.Restore(500);
        counter.Restore(200);
        Assert.Equal(500, counter.Pulses);
    }
}
