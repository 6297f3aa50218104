using FacilityGateway.Dashboard.History;
using FacilityGateway.Readings;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FacilityGateway.Tests.Dashboard;

public sealed class TrendHistoryTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 8, 0, 5, TimeSpan.Zero);
    private readonly string _directory = Directory.CreateTempSubdirectory("fg-trend-").FullName;
    private readonly FakeTimeProvider _time = new(Start);

    private string PathOfFile => Path.Combine(_directory, "history.db");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<TrendHistory> StartedAsync(int maxPoints = 100)
    {
        var history = new TrendHistory(new TrendHistoryPlan(true, PathOfFile, maxPoints), _time, NullLogger<TrendHistory>.Instance);
        await history.StartAsync(CancellationToken.None);
        await history.Ready.WaitAsync(TimeSpan.FromSeconds(10));
        return history;
    }

    private ValueTask Read(TrendHistory history, string point, double value, Quality quality = Quality.Good) =>
        history.ConsumeAsync(new ReadingBatch("meter", "incomer", _time.GetUtcNow(), [new("meter", point, value, null, "V", quality, _time.GetUtcNow())]), CancellationToken.None);

    /// <summary>Moves the clock in the 15-second steps of the history's timer, so that each tick runs.</summary>
    private void Advance(TimeSpan by)
    {
        for (var left = by; left > TimeSpan.Zero; left -= TimeSpan.FromSeconds(15))
            _time.Advance(left < TimeSpan.FromSeconds(15) ? left : TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task AMinutesReadings_BecomeOneBucket_OfAverageLowestAndHighest_StoredOnceTheMinuteIsOver()
    {
        var history = await StartedAsync();
        await Read(history, "voltage", 230);
        _time.Advance(TimeSpan.FromSeconds(20));
        await Read(history, "voltage", 236);
        await Read(history, "voltage", double.NaN, Quality.BadCommFailure); // a failed poll is no value
        var open = await history.QueryAsync("meter", "voltage", TrendRange.Hour, CancellationToken.None);
        var bucket = Assert.Single(open!.Buckets); // the open minute is drawn too
        Assert.Equal((233f, 230f, 236f), (bucket.Average, bucket.Minimum, bucket.Maximum));

        Advance(TimeSpan.FromMinutes(2)); // past the minute and its grace: stored
        await Read(history, "voltage", 240);
        var hour = await history.QueryAsync("meter", "voltage", TrendRange.Hour, CancellationToken.None);
        Assert.Equal([233f, 240f], hour!.Buckets.Select(b => b.Average));
        Assert.Equal(TimeSpan.FromMinutes(1), hour.BucketWidth);
        var week = await history.QueryAsync("meter", "voltage", TrendRange.Week, CancellationToken.None);
        Assert.Equal(TimeSpan.FromMinutes(15), week!.BucketWidth);
        Assert.Equal((230f + 236f + 240f) / 3, Assert.Single(week.Buckets).Average, 3); // the quarter hour is still open: all three readings
        await history.StopAsync(CancellationToken.None);
        Assert.Equal(0, history.WriteFailures);
    }

    [Fact]
    public async Task TheHistory_OutlivesARestart()
    {
        var first = await StartedAsync();
        await Read(first, "voltage", 231);
        Advance(TimeSpan.FromMinutes(2));
        await first.StopAsync(CancellationToken.None);
        first.Dispose();

        var second = await StartedAsync();
        var hour = await second.QueryAsync("meter", "voltage", TrendRange.Hour, CancellationToken.None);
        Assert.Equal(231f, Assert.Single(hour!.Buckets).Average);
        Assert.Equal(1, second.Points);
        await second.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ThePointsBeyondTheSizeLimit_HaveNoTrend_ThoseBeforeKeepTheirs()
    {
        var history = await StartedAsync(maxPoints: 1);
        await Read(history, "voltage", 230);
        await Read(history, "current", 12);
        Assert.NotNull(await history.QueryAsync("meter", "voltage", TrendRange.Hour, CancellationToken.None));
        Assert.Null(await history.QueryAsync("meter", "current", TrendRange.Hour, CancellationToken.None));
        await history.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ADamagedFile_IsMovedAside_AndANewHistoryStarts()
    {
        await File.WriteAllBytesAsync(PathOfFile, [.. Enumerable.Repeat((byte)0x5A, 8192)]);
        var history = await StartedAsync();
        await Read(history, "voltage", 229);
        Advance(TimeSpan.FromMinutes(2));
        var hour = await history.QueryAsync("meter", "voltage", TrendRange.Hour, CancellationToken.None);
        Assert.Equal(229f, Assert.Single(hour!.Buckets).Average);
        Assert.Single(Directory.GetFiles(_directory, "history.db.corrupt*"));
        await history.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task OldBuckets_ArePruned_SoTheFileStaysWithinItsSpan()
    {
        var history = await StartedAsync();
        await Read(history, "voltage", 230);
        Advance(TimeSpan.FromMinutes(2));
        Advance(TimeSpan.FromHours(27)); // past the minute tier's 26 hours
        await Read(history, "voltage", 235);
        Advance(TimeSpan.FromMinutes(2));
        await history.StopAsync(CancellationToken.None);
        history.Dispose();
        using var store = new TrendStore(PathOfFile, _time.GetUtcNow());
        var minutes = store.Read(TrendTier.Minute, store.Columns[("meter", "voltage")], from: 0);
        Assert.Equal(235f, Assert.Single(minutes).Average); // the minute of 27 hours ago is gone
        Assert.Equal(2, store.Read(TrendTier.Quarter, 0, from: 0).Count); // the week tier keeps both
    }
}
