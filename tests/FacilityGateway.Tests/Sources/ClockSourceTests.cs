using System.Threading.Channels;
using FacilityGateway.Readings;
using FacilityGateway.Sources.Clock;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FacilityGateway.Tests.Sources;

/// <summary>A board without a real-time clock: readings marked until NTP has set the clock.</summary>
public sealed class ClockSourceTests
{
    private sealed class FakeKernelClock : IKernelClock
    {
        public volatile bool Synchronised;
        public bool IsSynchronised() => Synchronised;
    }

    [Fact]
    public async Task ClockNotSynchronisedAtBoot_ReadingsAreMarked_UntilTheKernelSaysItIs_AndEachChangeIsReported()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero));
        var kernel = new FakeKernelClock();
        var status = new ClockStatus();
        var output = Channel.CreateUnbounded<ReadingBatch>();
        await using var source = new ClockSource(kernel, status, "gw", time, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var running = source.RunAsync(output.Writer, stop.Token);

        var first = await output.Reader.ReadAsync();
        Assert.Equal((GatewayDevice.Id, "clock.synchronised", 0.0), (first.DeviceId, first.Readings[0].PointId, first.Readings[0].Value));
        Assert.False(status.Synchronised);
        var meter = new ReadingBatch("meter", "a", time.GetUtcNow(),
            [new("meter", "kw", 12.5, null, "kW", Quality.Good, time.GetUtcNow()), Reading.Bad("meter", "kvar", "kvar", Quality.BadCommFailure, time.GetUtcNow())]);
        var marked = status.Mark(meter);
        Assert.Equal(Quality.UncertainClockNotSynchronised, marked.Readings[0].Quality);
        Assert.Equal(Quality.BadCommFailure, marked.Readings[1].Quality); // bad stays bad
        Assert.Equal("uncertain_clock_not_synchronised", marked.Readings[0].Quality.Name());
        Assert.True(marked.Readings[0].Quality.IsFresh());

        kernel.Synchronised = true; // timesyncd has set the clock
        time.Advance(ClockSource.CheckEvery);
        var second = await output.Reader.ReadAsync();
        Assert.Equal(1.0, second.Readings[0].Value);
        Assert.True(status.Synchronised);
        Assert.Same(meter, status.Mark(meter)); // passed on untouched

        time.Advance(ClockSource.CheckEvery * 3);
        Assert.False(output.Reader.TryRead(out _)); // no change, nothing reported
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    [Fact]
    public async Task ClockSynchronisedAtStart_NothingIsReported_NothingMarked()
    {
        var time = new FakeTimeProvider();
        var status = new ClockStatus();
        var output = Channel.CreateUnbounded<ReadingBatch>();
        await using var source = new ClockSource(new FakeKernelClock { Synchronised = true }, status, "gw", time, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var running = source.RunAsync(output.Writer, stop.Token);
        time.Advance(ClockSource.CheckEvery);
        Assert.False(output.Reader.TryRead(out _));
        Assert.True(status.Synchronised);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    [Fact]
    public void KernelClock_AnswersWithoutThrowing_AndValidateSaysWhatItFound()
    {
        bool synchronised = new KernelClock().IsSynchronised();
        string described = ClockSources.Describe(FacilityGateway.Configuration.ClockCheck.Kernel, new KernelClock());
        Assert.Equal(synchronised ? "clock: synchronised\n" : "clock: NOT synchronised (no NTP yet?): readings will be marked uncertain_clock_not_synchronised until it is\n", described);
        Assert.Equal("clock: not checked (clock_check: off)\n", ClockSources.Describe(FacilityGateway.Configuration.ClockCheck.Off, new KernelClock()));
    }
}
