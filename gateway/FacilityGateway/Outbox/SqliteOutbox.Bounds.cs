using Microsoft.Data.Sqlite;

namespace FacilityGateway.Outbox;

/// <summary>
/// What the outbox holds, and its bounds. Counts and bytes per lane are kept in memory as they change, stored with
/// every delete and at each prune with the last id they include, so a start counts only the rows after it; pruning deletes in bounded chunks through the (lane, id)
/// index, so a file of millions of records costs the commit thread milliseconds, not seconds.
/// </summary>
public sealed partial class SqliteOutbox
{
    private const int PruneChunk = 2_000, MaxStepsPerPrune = 100;
    private readonly long[] _count = new long[2], _bytes = new long[2];
    private bool _morePrune;
    private long _sizesAsOf;

    /// <summary>
    /// Deletes what every listed sink has taken (in both lanes), then enforces the telemetry bounds: in steps of at most
    /// one chunk per bound, each its own piece of work on the outbox thread, so a ticket commit queued meanwhile waits for
    /// one step (milliseconds), not for the whole round.
    /// </summary>
    public async Task<(long Delivered, long DroppedForSize, long DroppedForAge)> PruneAsync(IReadOnlyCollection<string> sinks, CancellationToken cancellationToken)
    {
        long delivered = 0, forSize = 0, forAge = 0;
        for (int step = 0; step < MaxStepsPerPrune; step++)
        {
            var (d, s, a, more) = await RunAsync(o => o.PruneStep(sinks), cancellationToken).ConfigureAwait(false);
            (delivered, forSize, forAge) = (delivered + d, forSize + s, forAge + a);
            if (!more)
                break;
        }
        if (delivered + forSize + forAge > 10_000)
            await RunAsync(o => o.Execute("PRAGMA wal_checkpoint(TRUNCATE);"), cancellationToken).ConfigureAwait(false);
        return (delivered, forSize, forAge);
    }

    /// <summary>What was appended, dropped and refused, what is waiting, its bytes and the disk's free space.</summary>
    public Task<OutboxCounters> CountersAsync(CancellationToken cancellationToken) =>
        RunAsync(o => new OutboxCounters(Interlocked.Read(ref o._appended), o._droppedForSize, o._droppedForAge, Interlocked.Read(ref o._rejected),
            o._count[0] + o._count[1], o._count[1], o._bytes[0] + o._bytes[1], o.FreeDiskBytes()), cancellationToken, keepsGroupOpen: true);

    private static string CountName(int lane) => $"size.count.{lane}";

    private static string BytesName(int lane) => $"size.bytes.{lane}";

    private void Added(OutboxLane lane, long records, long bytes)
    {
        _count[(int)lane] += records;
        _bytes[(int)lane] += bytes;
    }

    /// <summary>
    /// The sizes as stored (after a rolled-back transaction, say), with the records appended since they were stored
    /// (<c>size.as_of</c>: they are stored by pruning, every few seconds, not by every commit, which would rewrite their
    /// page on the SD card each second); a file from before they were kept is counted once.
    /// </summary>
    private void LoadSizes()
    {
        bool stored = true;
        for (int lane = 0; lane < 2; lane++)
        {
            long? count = Scalar<long?>("SELECT value FROM counters WHERE name = $n", ("$n", CountName(lane)));
            long? bytes = Scalar<long?>("SELECT value FROM counters WHERE name = $n", ("$n", BytesName(lane)));
            stored &= count is not null && bytes is not null;
            _count[lane] = count ?? 0;
            _bytes[lane] = bytes ?? 0;
        }
        if (stored)
        {
            // Builds before size.as_of stored the sizes with every commit: exact for every record there is.
            _sizesAsOf = Scalar<long?>("SELECT value FROM counters WHERE name = 'size.as_of'") ?? _lastId;
            CountRecords($"WHERE id > {_sizesAsOf}");
            _sizesAsOf = _lastId;
            return;
        }
        Array.Clear(_count);
        Array.Clear(_bytes);
        CountRecords("");
        using var transaction = _connection.BeginTransaction();
        SaveSizes(transaction);
        transaction.Commit();
    }

    /// <summary>Adds the count and bytes of the records <paramref name="where"/> (by id: a range of the table, or all of it).</summary>
    private void CountRecords(string where)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = $"SELECT lane, COUNT(*), COALESCE(SUM(length(payload)), 0) FROM records {where} GROUP BY lane";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            int lane = reader.GetInt32(0) == (int)OutboxLane.Events ? 1 : 0;
            _count[lane] += reader.GetInt64(1);
            _bytes[lane] += reader.GetInt64(2);
        }
    }

    private void ReloadSizes()
    {
        try
        {
            LoadSizes();
        }
        catch (SqliteException)
        {
            // The disk refuses even reads: the sizes in memory are an estimate until it answers again.
        }
    }

    /// <summary>Stores the sizes in the caller's transaction, as of the last id committed.</summary>
    private void SaveSizes(SqliteTransaction transaction)
    {
        using var upsert = _connection.CreateCommand();
        upsert.Transaction = transaction;
        upsert.CommandText = "INSERT INTO counters (name, value) VALUES ($n, $v) ON CONFLICT (name) DO UPDATE SET value = $v";
        var name = upsert.Parameters.Add("$n", SqliteType.Text);
        var value = upsert.Parameters.Add("$v", SqliteType.Integer);
        for (int lane = 0; lane < 2; lane++)
        {
            (name.Value, value.Value) = (CountName(lane), _count[lane]);
            upsert.ExecuteNonQuery();
            (name.Value, value.Value) = (BytesName(lane), _bytes[lane]);
            upsert.ExecuteNonQuery();
        }
        (name.Value, value.Value) = ("size.as_of", _lastId);
        upsert.ExecuteNonQuery();
        _sizesAsOf = _lastId;
    }

    /// <summary>Stores the sizes when records came since they were last stored (once a prune, not once a commit).</summary>
    private void SaveSizesIfAppended()
    {
        if (_sizesAsOf == _lastId)
            return;
        using var transaction = _connection.BeginTransaction();
        SaveSizes(transaction);
        transaction.Commit();
    }

    private long? FreeDiskBytes()
    {
        try
        {
            return new DriveInfo(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    private (long, long, long, bool) PruneStep(IReadOnlyCollection<string> sinks)
    {
        long delivered = 0, forSize = 0, forAge = 0;
        _morePrune = false;
        SaveCursorsNow(); // what the sinks have taken, as the delete below reads it
        if (sinks.Count > 0)
        {
            foreach (var lane in new[] { OutboxLane.Telemetry, OutboxLane.Events })
            {
                string names = string.Join(',', sinks.Select((_, i) => $"$s{i}"));
                using var command = _connection.CreateCommand();
                command.CommandText = $"SELECT MIN(position) FROM cursors WHERE sink IN ({names})";
                int i = 0;
                foreach (var sink in sinks)
                    command.Parameters.AddWithValue($"$s{i++}", CursorName(sink, lane));
                if (command.ExecuteScalar() is long taken)
                    delivered += DeleteOldest(lane, "id <= $limit", taken, int.MaxValue);
            }
        }
        // Only telemetry is bounded; ticket events, actions and digests wait for every sink whatever their number or age.
        long oldest = (_time.GetUtcNow() - _options.MaxAge).ToUnixTimeMilliseconds();
        forAge = DeleteOldest(OutboxLane.Telemetry, "created_at < $limit", oldest, int.MaxValue);
        long excessRecords = _count[0] - _options.MaxRecords;
        if (excessRecords > 0)
            forSize += DeleteOldest(OutboxLane.Telemetry, "1 = 1", 0, excessRecords);
        long maxBytes = _options.MaxMegabytes * 1024 * 1024;
        long floor = _options.MinFreeDiskMegabytes * 1024 * 1024;
        long excessBytes = Math.Max(_bytes[0] - maxBytes, FreeDiskBytes() is { } free && free < floor ? floor - free : 0);
        if (excessBytes > 0 && _count[0] > 0)
        {
            // Freed pages are reused by the next records: the file stops growing where the disk's floor is.
            long average = Math.Max(1, _bytes[0] / _count[0]);
            forSize += DeleteOldest(OutboxLane.Telemetry, "1 = 1", 0, (excessBytes + average - 1) / average);
        }
        if (!_morePrune)
        {
            DeleteUnusedLayouts();
            SaveSizesIfAppended();
        }
        if (forSize + forAge > 0)
        {
            _droppedForSize += forSize;
            _droppedForAge += forAge;
            Execute("INSERT INTO counters (name, value) VALUES ('dropped_for_size', $a) ON CONFLICT (name) DO UPDATE SET value = $a", ("$a", _droppedForSize));
            Execute("INSERT INTO counters (name, value) VALUES ('dropped_for_age', $b) ON CONFLICT (name) DO UPDATE SET value = $b", ("$b", _droppedForAge));
        }
        return (delivered, forSize, forAge, _morePrune);
    }

    /// <summary>Layouts no record names any more and no batch has used for a while (a device removed, a point list changed).</summary>
    private void DeleteUnusedLayouts()
    {
        if (Layouts.Count == 0)
            return;
        long oldest = Scalar<long?>("SELECT MIN(id) FROM records") ?? _lastId + 1;
        var unused = Layouts.Unused(oldest, _time.GetUtcNow().ToUnixTimeMilliseconds());
        if (unused.Count == 0)
            return;
        using (var transaction = _connection.BeginTransaction())
        {
            using var delete = _connection.CreateCommand();
            delete.Transaction = transaction;
            delete.CommandText = "DELETE FROM layouts WHERE id = $id";
            var id = delete.Parameters.Add("$id", SqliteType.Integer);
            foreach (var layout in unused)
            {
                id.Value = layout.Id;
                delete.ExecuteNonQuery();
            }
            transaction.Commit();
        }
        Layouts.Forget(unused);
    }

    /// <summary>One chunk of <see cref="DeleteOldest"/> in its own transaction, the sizes with it; returns how many rows went.</summary>
    private long DeleteChunk(OutboxLane lane, string condition, long limit, long take)
    {
        using var transaction = _connection.BeginTransaction();
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"DELETE FROM records WHERE id IN (SELECT id FROM records WHERE lane = $lane ORDER BY id LIMIT $take) AND {condition} RETURNING length(payload)";
        command.Parameters.AddWithValue("$lane", (int)lane);
        command.Parameters.AddWithValue("$take", take);
        command.Parameters.AddWithValue("$limit", limit);
        long rows = 0, bytes = 0;
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                rows++;
                bytes += reader.GetInt64(0);
            }
        }
        Added(lane, -rows, -bytes);
        SaveSizes(transaction);
        transaction.Commit();
        return rows;
    }

    /// <summary>
    /// Deletes the oldest records of a lane that match <paramref name="condition"/> (with <c>$limit</c>), at most
    /// <paramref name="most"/> and one chunk, walking the index from the oldest end only; returns how many, and notes
    /// when a further step has more to do.
    /// </summary>
    private long DeleteOldest(OutboxLane lane, string condition, long limit, long most)
    {
        long take = Math.Min(PruneChunk, most);
        long rows;
        try
        {
            rows = DeleteChunk(lane, condition, limit, take);
        }
        catch (SqliteException ex) when (IsStorageFailure(ex))
        {
            Failed(ex);
            ReloadSizes(); // rolled back: nothing of this chunk was deleted
            throw new OutboxFullException($"The outbox could not delete old records: {ex.Message}", ex);
        }
        _morePrune |= rows == take && rows < most; // a full chunk: the next step goes on
        return rows;
    }
}
