// Over 400 lines on purpose: the thread, the group commit, transactions and cursors share one connection and its
// prepared statements, and are read together; opening and migration (.Schema) and bounds (.Bounds) are apart.
using System.Diagnostics;
using System.Threading.Channels;
using FacilityGateway.Readings;
using Microsoft.Data.Sqlite;

namespace FacilityGateway.Outbox;

/// <summary>
/// The outbox on SQLite (WAL). All database work runs on one dedicated thread with one connection: SQLite calls block,
/// and they must not block thread-pool threads. Appends queued together are committed in one transaction (group
/// commit); a record is accepted when its transaction has committed. Records travel in two lanes
/// (<see cref="OutboxLane"/>): each sink has a cursor per lane, takes events first, and records every sink has taken
/// are deleted; only telemetry is bounded (count, bytes, age, free disk), the oldest dropped and counted.
/// State changes (alarm states, tickets, actions) are synced to the disk before they count as committed, whatever
/// the telemetry's durability, so a power cut loses no ticket and no acknowledged action.
/// Split in three files: this one (the thread, appends, transactions, reads, cursors), <c>.Schema</c> (opening,
/// migration, corruption) and <c>.Bounds</c> (pruning and counting without scanning the table).
/// </summary>
public sealed partial class SqliteOutbox : IAsyncDisposable
{
    private const int MaxGroup = 2000;
    private readonly Channel<Work> _work = Channel.CreateBounded<Work>(new BoundedChannelOptions(20_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Thread _thread;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeProvider _time;
    private readonly OutboxOptions _options;
    private readonly SqliteConnection _connection;
    private long _appended, _droppedForSize, _droppedForAge, _rejected, _lastId;

    private abstract class Work
    {
        /// <summary>Reads and in-memory work run beside an open telemetry group without committing it first.</summary>
        public bool KeepsGroupOpen { get; init; }
        public abstract void Run(SqliteOutbox outbox);
        public abstract void Fail(Exception error);
    }

    private sealed class Work<T>(Func<SqliteOutbox, T> run) : Work
    {
        public TaskCompletionSource<T> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public override void Run(SqliteOutbox outbox) => Done.TrySetResult(run(outbox));
        public override void Fail(Exception error) => Done.TrySetException(error);
    }

    private sealed class Append(OutboxRecordKind kind, byte[]? payload, bool mayWait, ReadingBatch? batch = null) : Work
    {
        public OutboxRecordKind Kind => kind;
        public bool MayWait => mayWait;
        /// <summary>The stored bytes: given, or encoded from <see cref="Batch"/> on the outbox thread (against its layout).</summary>
        public byte[]? Payload { get; set; } = payload;
        public ReadingBatch? Batch => batch;
        public ReadingLayout? Layout { get; set; }
        public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public override void Run(SqliteOutbox outbox) => throw new InvalidOperationException("appends run in groups");
        public override void Fail(Exception error) => Done.TrySetException(error);
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Where a corrupt outbox file found at start was moved to (a new one was started), or null.</summary>
    public string? RecoveredFrom { get; }

    /// <summary>What was wrong with the file moved to <see cref="RecoveredFrom"/>.</summary>
    public string? CorruptionReason { get; }

    /// <summary>Random id of this outbox file; part of every record's key, so ids from a new file never collide with old ones.</summary>
    public string Epoch { get; }

    /// <summary>The point lists of this file's records (<see cref="ReadingBatchCodec"/>): every record read carries them.</summary>
    public ReadingLayouts Layouts { get; } = new();

    /// <summary>Raised on the outbox thread after records were committed; sinks wake up on it.</summary>
    public event Action? Committed;

    /// <summary>Highest id committed.</summary>
    public long LastId => Interlocked.Read(ref _lastId);

    /// <summary>The storage failed other than by a full disk (a read-only remount, an I/O error) at the last write; null once a write succeeds again.</summary>
    public string? StorageFailure { get; private set; }

    /// <summary>Test hook: makes SQLite refuse every write (query_only), as a file system remounted read-only does.</summary>
    internal Task SimulateReadOnlyAsync(bool readOnly) =>
        RunAsync(o => o.Execute($"PRAGMA query_only = {(readOnly ? "ON" : "OFF")};"), CancellationToken.None);

    /// <summary>The name of a sink's cursor in one lane (telemetry keeps the sink's own name, as before lanes).</summary>
    public static string CursorName(string sink, OutboxLane lane) => lane == OutboxLane.Telemetry ? sink : $"{sink}/events";

    /// <summary>
    /// Queues a record; the task completes with its id once committed, or fails if it could not be stored. With
    /// <paramref name="mayWait"/> (the reading pipeline's telemetry) it may wait up to <see cref="OutboxOptions.CommitEvery"/>
    /// to be committed with the records after it; otherwise it is committed as soon as the queue is empty.
    /// </summary>
    public async ValueTask<Task<long>> AppendAsync(OutboxRecordKind kind, byte[] payload, CancellationToken cancellationToken, bool mayWait = false)
    {
        var append = new Append(kind, payload, mayWait && kind == OutboxRecordKind.Readings);
        await _work.Writer.WriteAsync(append, cancellationToken).ConfigureAwait(false);
        return append.Done.Task;
    }

    /// <summary>
    /// Queues a batch of readings (see <see cref="AppendAsync(OutboxRecordKind, byte[], CancellationToken, bool)"/>): it
    /// is encoded on the outbox thread against its device's layout, stored once in the file, so the record holds
    /// only its values.
    /// </summary>
    public async ValueTask<Task<long>> AppendAsync(ReadingBatch batch, CancellationToken cancellationToken, bool mayWait = false)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var append = new Append(OutboxRecordKind.Readings, null, mayWait, batch);
        await _work.Writer.WriteAsync(append, cancellationToken).ConfigureAwait(false);
        return append.Done.Task;
    }

    /// <summary>
    /// Writes state rows (alarm states, tickets) and appends records in one transaction: either all of it is stored or
    /// none, so a crash between "change the state" and "notify" cannot lose or duplicate a notification. The commit is
    /// synced (synchronous=FULL) before the task completes and before any sink can read its records.
    /// Returns the ids of the appended records.
    /// </summary>
    public Task<long[]> TransactAsync(IReadOnlyList<(string Kind, string Key, string Json)> state, IReadOnlyList<(OutboxRecordKind Kind, byte[] Payload)> records, CancellationToken cancellationToken) =>
        RunAsync(o => o.Transact(state, records), cancellationToken);

    /// <summary>All state rows of a kind.</summary>
    public Task<IReadOnlyList<(string Key, string Json)>> LoadStateAsync(string kind, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<(string, string)>>(o =>
        {
            using var command = o._connection.CreateCommand();
            command.CommandText = "SELECT key, json FROM state WHERE kind = $kind";
            command.Parameters.AddWithValue("$kind", kind);
            using var reader = command.ExecuteReader();
            var rows = new List<(string, string)>();
            while (reader.Read())
                rows.Add((reader.GetString(0), reader.GetString(1)));
            return rows;
        }, cancellationToken);

    /// <summary>Records of every lane after <paramref name="afterId"/>, oldest first (tools and tests).</summary>
    public Task<IReadOnlyList<OutboxRecord>> ReadAfterAsync(long afterId, int limit, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<OutboxRecord>>(o => o.Read(null, afterId, limit), cancellationToken, keepsGroupOpen: true);

    /// <summary>Records of one lane after <paramref name="afterId"/>, oldest first.</summary>
    public Task<IReadOnlyList<OutboxRecord>> ReadAfterAsync(OutboxLane lane, long afterId, int limit, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<OutboxRecord>>(o => o.Read(lane, afterId, limit), cancellationToken, keepsGroupOpen: true);

    /// <summary>A sink's telemetry cursor (see <see cref="GetCursorAsync(string, OutboxLane, CancellationToken)"/>).</summary>
    public Task<long> GetCursorAsync(string sink, CancellationToken cancellationToken) => GetCursorAsync(sink, OutboxLane.Telemetry, cancellationToken);

    /// <summary>A sink's cursor in a lane: the last id it took. A sink seen for the first time starts at the oldest record kept.</summary>
    public Task<long> GetCursorAsync(string sink, OutboxLane lane, CancellationToken cancellationToken) =>
        RunAsync(o =>
        {
            string name = CursorName(sink, lane);
            o.Execute("INSERT OR IGNORE INTO cursors (sink, position) VALUES ($sink, COALESCE((SELECT MIN(id) - 1 FROM records WHERE lane = $lane), $last))",
                ("$sink", name), ("$lane", (int)lane), ("$last", o._lastId));
            long stored = o.Scalar<long>("SELECT position FROM cursors WHERE sink = $sink", ("$sink", name));
            return Math.Max(stored, o._unsavedCursors.GetValueOrDefault(name));
        }, cancellationToken);

    /// <summary>Moves a sink's telemetry cursor forward.</summary>
    public Task SetCursorAsync(string sink, long position, CancellationToken cancellationToken) => SetCursorAsync(sink, OutboxLane.Telemetry, position, cancellationToken);

    /// <summary>Moves a sink's cursor in a lane forward after its peer acknowledged everything up to <paramref name="position"/>.</summary>
    /// <remarks>
    /// Kept in memory and stored with the next commit of records, prune or stop: a cursor written on its own was a
    /// transaction and a page on the SD card for every delivery of every sink (measured: a quarter of the WAL's pages at
    /// 1,000 points/s with three sinks). A crash in between sends the last second's records again, which consumers
    /// drop by their key, as after any crash between sending and moving the cursor.
    /// </remarks>
    public Task SetCursorAsync(string sink, OutboxLane lane, long position, CancellationToken cancellationToken) =>
        RunAsync(o =>
        {
            string name = CursorName(sink, lane);
            o._unsavedCursors[name] = Math.Max(position, o._unsavedCursors.GetValueOrDefault(name));
        }, cancellationToken, keepsGroupOpen: true);

    /// <summary>The cursors moved since they were last stored (the outbox thread only).</summary>
    private readonly Dictionary<string, long> _unsavedCursors = new(StringComparer.Ordinal);

    /// <summary>Stores the moved cursors in the caller's transaction; they count as stored once it commits.</summary>
    private void SaveCursors(SqliteTransaction transaction)
    {
        if (_unsavedCursors.Count == 0)
            return;
        using var update = _connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = "UPDATE cursors SET position = MAX(position, $p) WHERE sink = $sink";
        var sink = update.Parameters.Add("$sink", SqliteType.Text);
        var position = update.Parameters.Add("$p", SqliteType.Integer);
        foreach (var (name, at) in _unsavedCursors)
        {
            (sink.Value, position.Value) = (name, at);
            update.ExecuteNonQuery();
        }
    }

    /// <summary>Stores the moved cursors in a transaction of their own (before a prune reads them, and at stop).</summary>
    private void SaveCursorsNow()
    {
        if (_unsavedCursors.Count == 0)
            return;
        using (var transaction = _connection.BeginTransaction())
        {
            SaveCursors(transaction);
            transaction.Commit();
        }
        _unsavedCursors.Clear();
    }

    /// <summary>
    /// Sets a record aside for one sink (a record it cannot send however often it tries: one that cannot be decoded
    /// after a downgrade, say), with the reason, so that it no longer blocks what comes after it. The record itself
    /// stays for the other sinks; the copy here is kept for analysis (<c>facility-gateway outbox dead-letters</c>).
    /// </summary>
    public Task DeadLetterAsync(string sink, OutboxRecord record, string reason, CancellationToken cancellationToken) =>
        RunAsync(o => o.Execute(
            "INSERT OR REPLACE INTO dead_letters (sink, id, kind, created_at, payload, reason, failed_at) VALUES ($sink, $id, $kind, $created, $payload, $reason, $at)",
            ("$sink", sink), ("$id", record.Id), ("$kind", (int)record.Kind), ("$created", record.CreatedAt.ToUnixTimeMilliseconds()), ("$payload", o.SelfDescribing(record.Payload)),
            ("$reason", reason), ("$at", o._time.GetUtcNow().ToUnixTimeMilliseconds())), cancellationToken);

    /// <summary>A dead letter is kept whole: a record that names a layout is stored self-describing, as layouts go once unused.</summary>
    private byte[] SelfDescribing(byte[] payload)
    {
        if (!ReadingBatchCodec.NamesLayout(payload, out long id) || Layouts.Find(id) is null)
            return payload;
        return ReadingBatchCodec.Encode(ReadingBatchCodec.Decode(payload, Layouts));
    }

    /// <summary>The ids a sink has set aside after <paramref name="afterId"/>: its runner skips them.</summary>
    public Task<IReadOnlySet<long>> DeadLetterIdsAsync(string sink, long afterId, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlySet<long>>(o =>
        {
            using var command = o._connection.CreateCommand();
            command.CommandText = "SELECT id FROM dead_letters WHERE sink = $sink AND id > $after";
            command.Parameters.AddWithValue("$sink", sink);
            command.Parameters.AddWithValue("$after", afterId);
            using var reader = command.ExecuteReader();
            var ids = new HashSet<long>();
            while (reader.Read())
                ids.Add(reader.GetInt64(0));
            return ids;
        }, cancellationToken, keepsGroupOpen: true);

    /// <summary>How many records each sink has set aside.</summary>
    public Task<IReadOnlyDictionary<string, long>> DeadLetterCountsAsync(CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyDictionary<string, long>>(o =>
        {
            using var command = o._connection.CreateCommand();
            command.CommandText = "SELECT sink, COUNT(*) FROM dead_letters GROUP BY sink";
            using var reader = command.ExecuteReader();
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            while (reader.Read())
                counts[reader.GetString(0)] = reader.GetInt64(1);
            return counts;
        }, cancellationToken, keepsGroupOpen: true);

    /// <summary>
    /// Completes when the outbox thread has taken this from its queue and run it (nothing): the thread is alive and its
    /// queue moves. The systemd watchdog and <c>/healthz</c> ask this.
    /// </summary>
    public Task PingAsync(CancellationToken cancellationToken) => RunAsync(static _ => { }, cancellationToken, keepsGroupOpen: true);

    /// <summary>Test hook: the outbox thread hangs (as on a hung SD card) until <paramref name="release"/> completes.</summary>
    internal Task HangAsync(Task release) => RunAsync(_ => release.GetAwaiter().GetResult(), CancellationToken.None);

    private async Task<T> RunAsync<T>(Func<SqliteOutbox, T> run, CancellationToken cancellationToken, bool keepsGroupOpen = false)
    {
        var work = new Work<T>(run) { KeepsGroupOpen = keepsGroupOpen };
        await _work.Writer.WriteAsync(work, cancellationToken).ConfigureAwait(false);
        return await work.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private Task RunAsync(Action<SqliteOutbox> run, CancellationToken cancellationToken, bool keepsGroupOpen = false) =>
        RunAsync<bool>(o => { run(o); return true; }, cancellationToken, keepsGroupOpen);

    /// <summary>The outbox thread: waits for work (blocking this dedicated thread only), commits appends in groups.</summary>
    private void Loop()
    {
        var reader = _work.Reader;
        var appends = new List<Append>(MaxGroup);
        long groupStarted = 0;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (reader.TryRead(out var work))
            {
                if (work is Append append)
                {
                    if (appends.Count == 0)
                        groupStarted = Stopwatch.GetTimestamp();
                    appends.Add(append);
                    // A record that may not wait (an event, a caller waiting for it) goes now, with those before it.
                    if (appends.Count < MaxGroup && append.MayWait)
                        continue;
                }
                else if (work.KeepsGroupOpen)
                {
                    // A sink reading or moving its cursor does not commit the group: with three sinks it did, several
                    // commits a second instead of one, each rewriting the same pages.
                    RunOne(work);
                    continue;
                }
                Flush(appends);
                if (work is not Append)
                    RunOne(work);
            }
            // The queue is empty: telemetry waits for more until its group is CommitEvery old (real time: this is I/O
            // batching on the outbox's own thread, not a business deadline, and it must commit under a fake clock too).
            var wait = _options.CommitEvery - Stopwatch.GetElapsedTime(groupStarted);
            if (appends.Count > 0 && wait > TimeSpan.Zero)
            {
                var more = reader.WaitToReadAsync().AsTask();
                if (more.Wait(wait) && more.Result)
                    continue;
            }
            Flush(appends);
        }
        Flush(appends);
        try
        {
            SaveCursorsNow();
        }
        catch (SqliteException)
        {
            // A disk that refuses writes at stop: the sinks send the last records again after the restart.
        }
        _stopped.TrySetResult();
    }

    private void RunOne(Work work)
    {
        try
        {
            work.Run(this);
        }
        catch (Exception ex) when (ex is SqliteException or OutboxFullException or InvalidOperationException or ArgumentException or InvalidCastException)
        {
            work.Fail(ex);
        }
    }

    /// <summary>
    /// What the disk refuses for a reason of its own: full (or the file at its cap), read-only (an SD card remounted
    /// read-only after errors), an I/O error, a file that cannot be opened. The gateway goes on in memory and says so.
    /// </summary>
    private static bool IsStorageFailure(SqliteException ex) => ex.SqliteErrorCode is 13 /* FULL */ or 10 /* IOERR */ or 8 /* READONLY */ or 14 /* CANTOPEN */;

    private void Failed(SqliteException ex) => StorageFailure = ex.SqliteErrorCode == 13 ? null : ex.Message;

    private void Flush(List<Append> appends)
    {
        if (appends.Count == 0)
            return;
        var created = new List<ReadingLayout>();
        try
        {
            using var transaction = _connection.BeginTransaction();
            foreach (var append in appends)
            {
                if (append.Batch is not { } batch)
                    continue;
                append.Layout = Layouts.For(batch, created);
                append.Payload = append.Layout is { } layout ? ReadingBatchCodec.Encode(batch, layout) : ReadingBatchCodec.Encode(batch);
            }
            InsertLayouts(transaction, created);
            var ids = InsertRecords(transaction, appends.ConvertAll(a => (a.Kind, a.Payload!)));
            SaveCursors(transaction);
            transaction.Commit();
            _unsavedCursors.Clear();
            StorageFailure = null; // the disk takes writes again
            Accepted(ids);
            long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            for (int i = 0; i < appends.Count; i++)
            {
                if (appends[i].Layout is { } layout)
                    (layout.LastRecord, layout.LastUsedAt) = (ids[i], now);
                appends[i].Done.TrySetResult(ids[i]);
            }
        }
        catch (SqliteException ex) when (IsStorageFailure(ex))
        {
            Layouts.Forget(created); // rolled back with the records that needed them
            // A full or failing disk: keep running, count what could not be kept.
            Failed(ex);
            ReloadSizes(); // the transaction was rolled back: what is stored is what was stored before it
            Interlocked.Add(ref _rejected, appends.Count);
            TryExecute("INSERT INTO counters (name, value) VALUES ('rejected_storage_full', $v) ON CONFLICT (name) DO UPDATE SET value = $v", ("$v", Interlocked.Read(ref _rejected)));
            foreach (var append in appends)
                append.Fail(new OutboxFullException($"The outbox could not store a record: {ex.Message}", ex));
        }
        finally
        {
            appends.Clear();
        }
        Committed?.Invoke();
    }

    private long[] Transact(IReadOnlyList<(string Kind, string Key, string Json)> state, IReadOnlyList<(OutboxRecordKind Kind, byte[] Payload)> records)
    {
        try
        {
            return TransactOrThrow(state, records);
        }
        catch (SqliteException ex) when (IsStorageFailure(ex))
        {
            Failed(ex);
            ReloadSizes();
            throw new OutboxFullException($"The outbox could not store a state change: {ex.Message}", ex); // rolled back: nothing of it stored
        }
    }

    private long[] TransactOrThrow(IReadOnlyList<(string Kind, string Key, string Json)> state, IReadOnlyList<(OutboxRecordKind Kind, byte[] Payload)> records)
    {
        // A state change is synced before it counts: a ticket, or an action someone was told is done, survives a power
        // cut even when telemetry is kept only against a crash of the process (synchronous=NORMAL, no fsync per commit).
        bool sync = _options.Durability != OutboxDurability.PowerLoss;
        if (sync)
            Execute("PRAGMA synchronous = FULL;");
        try
        {
            using var transaction = _connection.BeginTransaction();
            foreach (var (kind, key, json) in state)
            {
                using var upsert = _connection.CreateCommand();
                upsert.Transaction = transaction;
                upsert.CommandText = "INSERT INTO state (kind, key, json) VALUES ($k, $key, $json) ON CONFLICT (kind, key) DO UPDATE SET json = $json";
                upsert.Parameters.AddWithValue("$k", kind);
                upsert.Parameters.AddWithValue("$key", key);
                upsert.Parameters.AddWithValue("$json", json);
                upsert.ExecuteNonQuery();
            }
            var ids = InsertRecords(transaction, records);
            transaction.Commit();
            StorageFailure = null;
            if (ids.Length > 0)
            {
                Accepted(ids);
                Committed?.Invoke();
            }
            return ids;
        }
        finally
        {
            if (sync)
                TryExecute("PRAGMA synchronous = NORMAL;");
        }
    }

    /// <summary>Inserts records in the caller's transaction with one prepared statement, and their sizes; returns their ids.</summary>
    private long[] InsertRecords(SqliteTransaction transaction, IReadOnlyList<(OutboxRecordKind Kind, byte[] Payload)> records)
    {
        using var insert = _connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO records (kind, lane, created_at, payload) VALUES ($kind, $lane, $created, $payload) RETURNING id";
        var kind = insert.Parameters.Add("$kind", SqliteType.Integer);
        var lane = insert.Parameters.Add("$lane", SqliteType.Integer);
        insert.Parameters.AddWithValue("$created", _time.GetUtcNow().ToUnixTimeMilliseconds());
        var payload = insert.Parameters.Add("$payload", SqliteType.Blob);
        var ids = new long[records.Count];
        for (int i = 0; i < records.Count; i++)
        {
            var recordLane = OutboxRecord.LaneOf(records[i].Kind);
            kind.Value = (int)records[i].Kind;
            lane.Value = (int)recordLane;
            payload.Value = records[i].Payload;
            ids[i] = (long)insert.ExecuteScalar()!;
            Added(recordLane, 1, records[i].Payload.Length);
        }
        return ids;
    }

    /// <summary>Stores new layouts in the caller's transaction, before the records that name them.</summary>
    private void InsertLayouts(SqliteTransaction transaction, List<ReadingLayout> layouts)
    {
        if (layouts.Count == 0)
            return;
        using var insert = _connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO layouts (id, device, asset, points) VALUES ($id, $device, $asset, $points)";
        var id = insert.Parameters.Add("$id", SqliteType.Integer);
        var device = insert.Parameters.Add("$device", SqliteType.Text);
        var asset = insert.Parameters.Add("$asset", SqliteType.Text);
        var points = insert.Parameters.Add("$points", SqliteType.Blob);
        foreach (var layout in layouts)
        {
            (id.Value, device.Value, asset.Value, points.Value) = (layout.Id, layout.Device, layout.Asset, layout.EncodePoints());
            insert.ExecuteNonQuery();
        }
    }

    /// <summary>After a commit: the last id and the appended count.</summary>
    private void Accepted(long[] ids)
    {
        Interlocked.Exchange(ref _lastId, ids[^1]);
        Interlocked.Add(ref _appended, ids.Length);
    }

    private List<OutboxRecord> Read(OutboxLane? lane, long afterId, int limit)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = lane is null
            ? "SELECT id, kind, created_at, payload FROM records WHERE id > $after ORDER BY id LIMIT $limit"
            : "SELECT id, kind, created_at, payload FROM records WHERE lane = $lane AND id > $after ORDER BY id LIMIT $limit";
        command.Parameters.AddWithValue("$after", afterId);
        command.Parameters.AddWithValue("$limit", limit);
        if (lane is { } l)
            command.Parameters.AddWithValue("$lane", (int)l);
        using var reader = command.ExecuteReader();
        var records = new List<OutboxRecord>();
        while (reader.Read())
            records.Add(new OutboxRecord(reader.GetInt64(0), (OutboxRecordKind)reader.GetInt32(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), (byte[])reader[3], Epoch) { Layouts = Layouts });
        return records;
    }

    private long Counter(string name) => Scalar<long?>("SELECT value FROM counters WHERE name = $n", ("$n", name)) ?? 0;

    private void Execute(string sql, params (string Name, object Value)[] parameters) => ExecuteCount(sql, parameters);

    private void TryExecute(string sql, params (string Name, object Value)[] parameters)
    {
        try
        {
            Execute(sql, parameters);
        }
        catch (SqliteException)
        {
            // The disk is full or failing: the counter lives in memory until it can be written.
        }
    }

    private long ExecuteCount(string sql, params (string Name, object Value)[] parameters)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        return command.ExecuteNonQuery();
    }

    private T? Scalar<T>(string sql, params (string Name, object Value)[] parameters)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        object? result = command.ExecuteScalar();
        if (result is null or DBNull)
            return default;
        var type = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        return (T)Convert.ChangeType(result, type, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Finishes queued work, then closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        _work.Writer.TryComplete();
        await _stopped.Task.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _connection.Dispose();
        SqliteConnection.ClearAllPools();
    }
}

/// <summary>The outbox could not store a record (disk full or failing): the record is lost and counted.</summary>
public sealed class OutboxFullException(string message, Exception? inner = null) : Exception(message, inner);
