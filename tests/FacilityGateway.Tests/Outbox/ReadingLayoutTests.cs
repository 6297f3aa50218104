using FacilityGateway.Outbox;
using FacilityGateway.Readings;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace FacilityGateway.Tests.Outbox;

/// <summary>Records of a device's usual poll carry only values; the point list is stored once, in the same file.</summary>
public sealed class ReadingLayoutTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fg-layouts-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-04T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private string DbPath => Path.Combine(_directory, "outbox.db");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static ReadingBatch Poll(string device, int points, int poll, Func<int, Reading, Reading>? change = null)
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_764_806_400_000 + poll * 1000L);
        var readings = Enumerable.Range(0, points)
            .Select(p => new Reading(device, $"功率_{p}", p * 1.5 + poll, null, "kW", Quality.Good, at))
            .Select((r, i) => change?.Invoke(i, r) ?? r)
            .ToList();
        return new ReadingBatch(device, "泵房", at, readings);
    }

    private static SqliteOutbox Open(string path, TimeProvider time) => new(path, new OutboxOptions { CommitEvery = TimeSpan.Zero }, time);

    [Fact]
    public async Task AUsualPoll_IsStoredAsItsValuesOnly_AndReadsBackAsItWas()
    {
        await using var outbox = Open(DbPath, _time);
        var batches = Enumerable.Range(0, 3).Select(i => Poll("电表-1", 1000, i)).ToList();
        foreach (var batch in batches)
            await await outbox.AppendAsync(batch, CancellationToken.None);

        var records = await outbox.ReadAfterAsync(0, 10, default);
        Assert.Equal(1, outbox.Layouts.Count);
        for (int i = 0; i < 3; i++)
        {
            // Marker, layout id, time, form, then four bytes a point: against ~14 a point self-describing.
            Assert.InRange(records[i].Payload.Length, 4000, 4020);
            var back = ReadingBatchCodec.Decode(records[i].Payload, records[i].Layouts);
            Assert.Equal(batches[i], back with { Readings = batches[i].Readings });
            Assert.Equal(batches[i].Readings, back.Readings);
        }
    }

    [Fact]
    public async Task APollWithTextBadQualityOrDoubles_KeepsEveryField()
    {
        await using var outbox = Open(DbPath, _time);
        var batch = Poll("meter", 6, 0, (i, r) => i switch
        {
            0 => r with { Quality = Quality.BadCommFailure, Value = double.NaN },
            1 => r with { Text = "运行 Zürich 💧" },
            2 => r with { Value = 0.1 }, // not exact in float32
            3 => r with { Quality = Quality.UncertainStale },
            _ => r,
        });
        await await outbox.AppendAsync(batch, CancellationToken.None);
        var record = Assert.Single(await outbox.ReadAfterAsync(0, 10, default));
        Assert.True(ReadingBatchCodec.NamesLayout(record.Payload, out _));
        Assert.Equal(batch.Readings, ReadingBatchCodec.Decode(record.Payload, record.Layouts).Readings);
    }

    [Fact]
    public async Task Layouts_SurviveReopening_AndTheSamePointListKeepsItsLayout()
    {
        await using (var outbox = Open(DbPath, _time))
            await await outbox.AppendAsync(Poll("meter", 50, 0), CancellationToken.None);
        await using (var reopened = Open(DbPath, _time))
        {
            var old = Assert.Single(await reopened.ReadAfterAsync(0, 10, default));
            Assert.Equal(Poll("meter", 50, 0).Readings, ReadingBatchCodec.Decode(old.Payload, old.Layouts).Readings);
            await await reopened.AppendAsync(Poll("meter", 50, 1), CancellationToken.None);
            Assert.Equal(1, reopened.Layouts.Count);
        }
    }

    [Fact]
    public async Task ANewPointList_GetsItsOwnLayout_AndSmallBatchesStaySelfDescribing()
    {
        await using var outbox = Open(DbPath, _time);
        await await outbox.AppendAsync(Poll("meter", 50, 0), CancellationToken.None);
        await await outbox.AppendAsync(Poll("meter", 49, 1), CancellationToken.None); // a read of the device failed
        await await outbox.AppendAsync(Poll("meter", ReadingLayouts.MinReadings - 1, 2), CancellationToken.None);
        await await outbox.AppendAsync(Poll("meter", 50, 3), CancellationToken.None);
        Assert.Equal(2, outbox.Layouts.Count);
        var records = await outbox.ReadAfterAsync(0, 10, default);
        Assert.False(ReadingBatchCodec.NamesLayout(records[2].Payload, out _));
        Assert.Equal(records[0].Payload[1], records[3].Payload[1]); // the first layout again
        int[] points = [50, 49, ReadingLayouts.MinReadings - 1, 50];
        for (int poll = 0; poll < 4; poll++)
            Assert.Equal(Poll("meter", points[poll], poll).Readings, ReadingBatchCodec.Decode(records[poll].Payload, records[poll].Layouts).Readings);
    }

    [Fact]
    public async Task ALayoutNoRecordNeeds_IsDeletedAfterAWhile_AndOneARecordStillNamesIsKept()
    {
        await using var outbox = Open(DbPath, _time);
        await await outbox.AppendAsync(Poll("removed-meter", 20, 0), CancellationToken.None);
        long first = outbox.LastId;
        await await outbox.AppendAsync(Poll("meter", 20, 0), CancellationToken.None);
        _ = await outbox.GetCursorAsync("s", default);
        await outbox.SetCursorAsync("s", first, default); // the removed meter's record delivered, the other not
        _time.Advance(ReadingLayouts.KeepUnused + TimeSpan.FromSeconds(1));
        await outbox.PruneAsync(["s"], default);

        Assert.Equal(1, outbox.Layouts.Count);
        var kept = Assert.Single(await outbox.ReadAfterAsync(0, 10, default));
        Assert.Equal("meter", ReadingBatchCodec.Decode(kept.Payload, kept.Layouts).DeviceId);
        Assert.Equal(1L, Scalar("SELECT COUNT(*) FROM layouts"));
    }

    [Fact]
    public async Task ADeadLetter_IsKeptSelfDescribing_ReadableWithoutTheLayouts()
    {
        await using var outbox = Open(DbPath, _time);
        var batch = Poll("meter", 20, 0);
        await await outbox.AppendAsync(batch, CancellationToken.None);
        var record = Assert.Single(await outbox.ReadAfterAsync(0, 10, default));
        await outbox.DeadLetterAsync("influx", record, "refused", default);

        using var connection = new SqliteConnection($"Data Source={DbPath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT payload FROM dead_letters";
        var stored = (byte[])command.ExecuteScalar()!;
        Assert.Equal(batch.Readings, ReadingBatchCodec.Decode(stored).Readings);
    }

    [Fact]
    public async Task ARecordWhoseLayoutIsMissing_SaysSo_InsteadOfGuessing()
    {
        await using var outbox = Open(DbPath, _time);
        await await outbox.AppendAsync(Poll("meter", 20, 0), CancellationToken.None);
        var record = Assert.Single(await outbox.ReadAfterAsync(0, 10, default));
        var error = Assert.Throws<FormatException>(() => ReadingBatchCodec.Decode(record.Payload, new ReadingLayouts()));
        Assert.Contains("layout 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFullDisk_RollsBackANewLayoutWithItsRecord_AndTheNextPollStoresItAgain()
    {
        await using (var outbox = new SqliteOutbox(DbPath, new OutboxOptions { CommitEvery = TimeSpan.Zero }, _time, maxPageCount: 40))
        {
            int refused = 0;
            for (int i = 0; i < 200 && refused == 0; i++)
            {
                try
                {
                    await await outbox.AppendAsync(Poll($"meter-{i}", 200, i), CancellationToken.None); // a new layout each
                }
                catch (OutboxFullException)
                {
                    refused++;
                }
            }
            Assert.Equal(1, refused);
            Assert.Equal(Scalar("SELECT COUNT(*) FROM layouts"), outbox.Layouts.Count);
        }
        await using var reopened = Open(DbPath, _time);
        foreach (var record in await reopened.ReadAfterAsync(0, 1000, default))
            Assert.Equal(200, ReadingBatchCodec.Decode(record.Payload, record.Layouts).Readings.Count);
    }

    private long Scalar(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }
}
