using FacilityGateway.Readings;
using Microsoft.Extensions.Time.Testing;

namespace FacilityGateway.Tests.Readings;

public sealed class ReadingSnapshotTests
{
    private static readonly FakeTimeProvider Time = new(DateTimeOffset.Parse("2026-11-27T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private static ReadingBatch Batch(string device, params (string Point, double Value)[] points) =>
        new(device, "asset", Time.GetUtcNow(), [.. points.Select(p => new Reading(device, p.Point, p.Value, null, "", Quality.Good, Time.GetUtcNow()))]);

    [Fact]
    public async Task KeepsTheLatestReadingOfEveryPoint_DeviceByDevice()
    {
        var snapshot = new ReadingSnapshot(Time);
        Assert.Null(snapshot.Get("meter", "power"));
        for (int i = 0; i < 20; i++) // more points than the first array holds
            await snapshot.ConsumeAsync(Batch("meter", [.. Enumerable.Range(0, 20).Select(p => ($"p{p}", (double)(i * 100 + p)))]), default);
        await snapshot.ConsumeAsync(Batch("pump", ("running", 1)), default);
        await snapshot.ConsumeAsync(Batch("meter", ("p3", -1)), default); // a batch with one point leaves the others as they were

        Assert.Equal(-1, snapshot.Get("meter", "p3")!.Value.Value);
        Assert.Equal(1919, snapshot.Get("meter", "p19")!.Value.Value);
        Assert.Equal(1, snapshot.Get("pump", "running")!.Value.Value);
        Assert.Null(snapshot.Get("pump", "p3"));
        Assert.Equal(22, snapshot.BatchCount);
    }

    [Fact]
    public async Task AReadingFromAnotherDeviceInTheBatch_GoesToThatDevice()
    {
        var snapshot = new ReadingSnapshot(Time);
        var at = Time.GetUtcNow();
        await snapshot.ConsumeAsync(new ReadingBatch("gateway", "gw", at,
        [
            new Reading("gateway", "outbox.pending", 5, null, "", Quality.Good, at),
            new Reading("other", "x", 7, null, "", Quality.Good, at),
            new Reading("gateway", "outbox.dropped_for_size", 0, null, "", Quality.Good, at),
        ]), default);
        Assert.Equal(7, snapshot.Get("other", "x")!.Value.Value);
        Assert.Equal(0, snapshot.Get("gateway", "outbox.dropped_for_size")!.Value.Value);
        Assert.Null(snapshot.Get("other", "outbox.dropped_for_size"));
    }

    [Fact]
    public async Task AnOldGoodValue_IsReportedStale_NeverAsIfFresh()
    {
        var time = new FakeTimeProvider(Time.GetUtcNow());
        var snapshot = new ReadingSnapshot(time) { StaleAfter = TimeSpan.FromMinutes(2) };
        var at = time.GetUtcNow();
        await snapshot.ConsumeAsync(new ReadingBatch("meter", "a", at, [new Reading("meter", "power", 42, null, "kW", Quality.Good, at)]), default);
        Assert.Equal(Quality.Good, snapshot.Get("meter", "power")!.Value.Quality);
        time.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal((42.0, Quality.UncertainStale), (snapshot.Get("meter", "power")!.Value.Value, snapshot.Get("meter", "power")!.Value.Quality));
    }
}
