using FacilityGateway.Outbox;
using Microsoft.Extensions.Time.Testing;
using FacilityGateway.Tickets;

namespace FacilityGateway.Tests.Outbox;

public sealed class SqliteOutboxTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fg-outbox-").FullName;
    private string DbPath => Path.Combine(_directory, "outbox.db");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static async Task<long> AppendAsync(SqliteOutbox outbox, string text) =>
        await await outbox.AppendAsync(OutboxRecordKind.Readings, System.Text.Encoding.UTF8.GetBytes(text), CancellationToken.None);

    [Fact]
    public async Task PipelineTelemetry_IsCommittedInOneGroup_AndAnEventCommitsItAtOnce()
    {
        // SD-card writes: a commit rewrites its last pages, so telemetry of one poll per commit cost ~170 bytes per point.
        await using var outbox = new SqliteOutbox(DbPath, new OutboxOptions { CommitEvery = TimeSpan.FromHours(1) }, TimeProvider.System);
        var telemetry = new List<Task<long>>();
        for (int i = 0; i < 3; i++)
            telemetry.Add(await outbox.AppendAsync(OutboxRecordKind.Readings, System.Text.Encoding.UTF8.GetBytes($"poll {i}"), CancellationToken.None, mayWait: true));
        await Task.Delay(300); // the outbox thread has long seen them: they wait for their group
        Assert.All(telemetry, t => Assert.False(t.IsCompleted));
        Assert.Equal(0, outbox.LastId);

        // Sinks reading, moving their cursors and the watchdog's ping do not commit the group (each did, with three sinks).
        Assert.Empty(await outbox.ReadAfterAsync(0, 10, default));
        _ = await outbox.GetCursorAsync("mqtt", default); // a sink's first start: a write, it may commit
        telemetry.Add(await outbox.AppendAsync(OutboxRecordKind.Readings, "poll 3"u8.ToArray(), CancellationToken.None, mayWait: true));
        await outbox.SetCursorAsync("mqtt", 0, default);
        await outbox.PingAsync(default);
        _ = await outbox.CountersAsync(default);
        Assert.False(telemetry[^1].IsCompleted);

        // A ticket event never waits: it commits now, and the telemetry before it with it, in order.
        long ticketId = await await outbox.AppendAsync(OutboxRecordKind.TicketChange, "{}"u8.ToArray(), CancellationToken.None, mayWait: true);
        long[] ids = await Task.WhenAll(telemetry);
        Assert.Equal(new long[] { 1, 2, 3, 4 }, ids);
        Assert.Equal(5, ticketId);
    }

    [Fact]
    public async Task Records_AndCursors_SurviveReopening_IdsKeepGrowing_EpochStays()
    {
        string epoch;
        await using (var outbox = new SqliteOutbox(DbPath, new OutboxOptions(), TimeProvider.System))
        {
            for (int i = 1; i <= 5; i++)
                Assert.Equal(i, await AppendAsync(outbox, $"r{i}"));
            Assert.Equal(0, await outbox.GetCursorAsync("mqtt", default));
            await outbox.SetCursorAsync("mqtt", 3, default);
            epoch = outbox.Epoch;
        }
        await using (var outbox = new SqliteOutbox(DbPath, new OutboxOptions(), TimeProvider.System))
        {
            Assert.Equal(epoch, outbox.Epoch);
            Assert.Equal(5, outbox.LastId);
            long cursor = await outbox.GetCursorAsync("mqtt", default);
            Assert.Equal(3, cursor);
            var rest = await outbox.ReadAfterAsync(cursor, 100, default);
            Assert.Equal([4L, 5L], rest.Select(r => r.Id));
            Assert.Equal("r4", System.Text.Encoding.UTF8.GetString(rest[0].Payload));
            Assert.Equal($"{epoch}-4", rest[0].Key);
            Assert.Equal(6, await AppendAsync(outbox, "r6"));
        }
    }

    [Fact]
    public async Task Prune_DeletesOnlyWhatEverySinkHasTaken()
    {
        await using var outbox = new SqliteOutbox(DbPath, new OutboxOptions(), TimeProvider.System);
        for (int i = 0; i < 10; i++)
            await AppendAsync(outbox, "x");
        await outbox.GetCursorAsync("fast", default);
        await outbox.GetCursorAsync("slow", default);
        await outbox.SetCursorAsync("fast", 10, default);
        await outbox.SetCursorAsync("slow", 4, default);
        var (delivered, _, _) = await outbox.PruneAsync(["fast", "slow"], default);
        Assert.Equal(4, delivered);
        Assert.Equal(6, (await outbox.CountersAsync(default)).Pending);
        Assert.Equal(5, (await outbox.ReadAfterAsync(0, 100, default))[0].Id);
    }

    [Fact]
    public async Task SizeAndAgeBounds_DropTheOldest_AndCountThem()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-26T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var options = new OutboxOptions { MaxRecords = 1000, MaxAge = TimeSpan.FromDays(1) };
        await using var outbox = new SqliteOutbox(DbPath, options, time);
        for (int i = 0; i < 1200; i++)
            await AppendAsync(outbox, "old");
        var (_, forSize, _) = await outbox.PruneAsync(["dead-sink"], default);
        Assert.Equal(200, forSize);
        Assert.Equal(201, (await outbox.ReadAfterAsync(0, 1, default))[0].Id);

        time.Advance(TimeSpan.FromDays(2));
        await AppendAsync(outbox, "new");
        var (_, _, forAge) = await outbox.PruneAsync(["dead-sink"], default);
        Assert.Equal(1000, forAge);
        var counters = await outbox.CountersAsync(default);
        Assert.Equal((200L, 1000L, 1L), (counters.DroppedForSize, counters.DroppedForAge, counters.Pending));
    }

    [Fact]
    public async Task FullDisk_RefusesAndCounts_AndKeepsRunning()
    {
        await using var outbox = new SqliteOutbox(DbPath, new OutboxOptions(), TimeProvider.System, maxPageCount: 16);
        var big = new string('x', 8000);
        int stored = 0, refused = 0;
        for (int i = 0; i < 200; i++)
        {
            try
            {
                await AppendAsync(outbox, big);
                stored++;
            }
            catch (OutboxFullException)
            {
                refused++;
            }
        }
        Assert.True(stored > 0 && refused > 0, $"stored {stored}, refused {refused}");
        Assert.Equal(refused, (await outbox.CountersAsync(default)).RejectedStorageFull);

        // Space comes back once delivered records are deleted: the outbox takes records again.
        await outbox.GetCursorAsync("s", default);
        await outbox.SetCursorAsync("s", outbox.LastId, default);
        await outbox.PruneAsync(["s"], default);
        Assert.True(await AppendAsync(outbox, "small") > 0);
    }

    [Fact]
    public async Task ManyConcurrentAppends_AreCommittedInGroups_EachIdOnce()
    {
        await using var outbox = new SqliteOutbox(DbPath, new OutboxOptions(), TimeProvider.System);
        var ids = await Task.WhenAll(Enumerable.Range(0, 5000).Select(i => AppendAsync(outbox, $"r{i}")));
        Assert.Equal(Enumerable.Range(1, 5000).Select(i => (long)i), ids.Order());
    }

    private static async Task<long> AppendEventAsync(SqliteOutbox outbox, string text) =>
        await await outbox.AppendAsync(OutboxRecordKind.TicketChange, System.Text.Encoding.UTF8.GetBytes(text), CancellationToken.None);

    [Fact]
    public async Task UndeliveredTicketEvents_AreNeverDroppedForSizeOrAge_OnlyTelemetryIs()
    {
        // Regression: retention dropped the oldest records whatever their kind, undelivered P1 ticket events included.
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-26T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var outbox = new SqliteOutbox(DbPath, new OutboxOptions { MaxRecords = 1000, MaxAge = TimeSpan.FromDays(1) }, time);
        await outbox.GetCursorAsync("pager", OutboxLane.Events, default);
        await outbox.GetCursorAsync("pager", OutboxLane.Telemetry, default);
        long leak = await AppendEventAsync(outbox, "P1 leak opened"); // the oldest record of all
        for (int i = 0; i < 1500; i++)
            await AppendAsync(outbox, "reading");
        var (_, forSize, _) = await outbox.PruneAsync(["pager"], default);
        Assert.Equal(500, forSize);
        time.Advance(TimeSpan.FromDays(40));
        var (_, _, forAge) = await outbox.PruneAsync(["pager"], default);
        Assert.Equal(1000, forAge);

        var events = await outbox.ReadAfterAsync(OutboxLane.Events, 0, 10, default);
        Assert.Equal([leak], events.Select(e => e.Id));
        var counters = await outbox.CountersAsync(default);
        Assert.Equal((1L, 1L), (counters.Pending, counters.PendingEvents));
    }

    [Fact]
    public async Task TelemetryIsBoundedInBytes_NotOnlyByCount()
    {
        await using var outbox = new SqliteOutbox(DbPath, new OutboxOptions { MaxMegabytes = 1, MinFreeDiskMegabytes = 0 }, TimeProvider.System);
        await outbox.GetCursorAsync("slow", default);
        var kilobyte = new string('x', 1024);
        for (int i = 0; i < 3000; i++)
            await AppendAsync(outbox, kilobyte); // 3 MB of readings, 3,000 records: far below the count bound
        var (_, forSize, _) = await outbox.PruneAsync(["slow"], default);
        var counters = await outbox.CountersAsync(default);
        Assert.True(counters.Bytes <= 1024 * 1024, $"{counters.Bytes} bytes kept");
        Assert.True(forSize >= 1900, $"{forSize} dropped");
        Assert.NotNull(counters.FreeDiskBytes);
    }

    [Fact]
    public async Task ADisabledSink_KeepsItsBacklog_PruningWaitsForItsCursor()
    {
        await using var outbox = new SqliteOutbox(DbPath, new OutboxOptions(), TimeProvider.System);
        await outbox.GetCursorAsync("on", default);
        await outbox.GetCursorAsync("off", default);
        for (int i = 0; i < 10; i++)
            await AppendAsync(outbox, "x");
        await outbox.SetCursorAsync("on", 10, default);
        var (delivered, _, _) = await outbox.PruneAsync(["on", "off"], default); // "off" is configured but disabled
        Assert.Equal(0, delivered);
        Assert.Equal(10, (await outbox.CountersAsync(default)).Pending);
    }

    [Fact]
    public async Task AMovedCursor_IsStoredWithTheNextCommit_NotInATransactionOfItsOwn()
    {
        // A cursor written on its own was a commit and a page on the SD card for every delivery of every sink.
        await using (var outbox = new SqliteOutbox(DbPath, new OutboxOptions { CommitEvery = TimeSpan.Zero }, TimeProvider.System))
        {
            for (int i = 0; i < 3; i++)
                await AppendAsync(outbox, "poll");
            _ = await outbox.GetCursorAsync("mqtt", default);
            await outbox.SetCursorAsync("mqtt", 2, default);
            Assert.Equal(2, await outbox.GetCursorAsync("mqtt", default));
            Assert.Equal(0L, StoredCursor("mqtt"));

            await AppendAsync(outbox, "the next poll");
            Assert.Equal(2L, StoredCursor("mqtt"));
            await outbox.SetCursorAsync("mqtt", 4, default);
        }
        Assert.Equal(4L, StoredCursor("mqtt")); // stored at stop
    }

    private long StoredCursor(string sink)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DbPath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT position FROM cursors WHERE sink = $s";
        command.Parameters.AddWithValue("$s", sink);
        return (long)command.ExecuteScalar()!;
    }

    [Fact]
    public async Task Sizes_StoredOnlyByPruning_AreExactAfterReopening_WithTheRecordsAppendedSince()
    {
        // The sizes' page is no longer rewritten by every commit (a page a second on the SD card): a start adds the
        // records after the id they were stored at.
        await using (var outbox = new SqliteOutbox(DbPath, new OutboxOptions(), TimeProvider.System))
        {
            for (int i = 0; i < 5; i++)
                await AppendAsync(outbox, "12345");
            _ = await outbox.GetCursorAsync("s", default);
            await outbox.SetCursorAsync("s", 2, default);
            await outbox.PruneAsync(["s"], default); // stores the sizes: 3 records, 15 bytes, as of id 5
            for (int i = 0; i < 4; i++)
                await AppendAsync(outbox, "1234567");
            await await outbox.AppendAsync(OutboxRecordKind.TicketChange, "{}"u8.ToArray(), CancellationToken.None);
        }
        await using var reopened = new SqliteOutbox(DbPath, new OutboxOptions(), TimeProvider.System);
        var counters = await reopened.CountersAsync(default);
        Assert.Equal((8L, 1L, 15L + 28 + 2), (counters.Pending, counters.PendingEvents, counters.Bytes));
    }

    [Fact]
    public async Task AFileFromBeforeLanes_GetsThem_AndItsTicketEventsGoInTheEventsLane()
    {
        using (var old = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            old.Open();
            using var create = old.CreateCommand();
            create.CommandText = """
                CREATE TABLE records (id INTEGER PRIMARY KEY AUTOINCREMENT, kind INTEGER NOT NULL, created_at INTEGER NOT NULL, payload BLOB NOT NULL);
                CREATE TABLE cursors (sink TEXT PRIMARY KEY, position INTEGER NOT NULL);
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
                CREATE TABLE state (kind TEXT NOT NULL, key TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (kind, key));
                INSERT INTO meta VALUES ('epoch', 'abcdef012345');
                INSERT INTO records (kind, created_at, payload) VALUES (1, 0, x'00'), (3, 0, x'0102'), (1, 0, x'00');
                """;
            create.ExecuteNonQuery();
        }
        await using var outbox = new SqliteOutbox(DbPath, new OutboxOptions(), TimeProvider.System);
        Assert.Equal("abcdef012345", outbox.Epoch);
        Assert.Equal([2L], (await outbox.ReadAfterAsync(OutboxLane.Events, 0, 10, default)).Select(r => r.Id));
        Assert.Equal([1L, 3L], (await outbox.ReadAfterAsync(OutboxLane.Telemetry, 0, 10, default)).Select(r => r.Id));
        var counters = await outbox.CountersAsync(default);
        Assert.Equal((3L, 1L, 4L), (counters.Pending, counters.PendingEvents, counters.Bytes));
    }
}
