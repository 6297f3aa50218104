using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace FacilityGateway.Outbox;

/// <summary>
/// The outbox on SQLite (WAL). All database work runs on one dedicated thread with one connection: SQLite calls block,
/// and they must not block thread-pool threads. Appends queued together are committed in one transaction (group
/// commit); a record is accepted when its transaction has committed. Each sink has a cursor; records every sink has
/// taken are deleted, and the size and age bounds drop the oldest, counted.
/// </summary>
public sealed class SqliteOutbox : IAsyncDisposable
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
        public abstract void Run(SqliteOutbox outbox);
        public abstract void Fail(Exception error);
    }

    private sealed class Work<T>(Func<SqliteOutbox, T> run) : Work
    {
        public TaskCompletionSource<T> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public override void Run(SqliteOutbox outbox) => Done.TrySetResult(run(outbox));
        public override void Fail(Exception error) => Done.TrySetException(error);
    }

    private sealed class Append(OutboxRecordKind kind, byte[] payload) : Work
    {
        public OutboxRecordKind Kind => kind;
        public byte[] Payload => payload;
        public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public override void Run(SqliteOutbox outbox) => throw new InvalidOperationException("appends run in groups");
        public override void Fail(Exception error) => Done.TrySetException(error);
    }

    /// <summary>Opens (or creates) the outbox file. <paramref name="maxPageCount"/> caps the file, as a full disk would (tests).</summary>
    public SqliteOutbox(string path, OutboxOptions options, TimeProvider timeProvider, long? maxPageCount = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = timeProvider;
        Path = path;
        System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        try
        {
            _connection = OpenFile(path, options, maxPageCount, out string epoch, out _lastId);
            Epoch = epoch;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 11 /* SQLITE_CORRUPT */ or 26 /* SQLITE_NOTADB */)
        {
            // A corrupt file must not keep the gateway in a restart loop in which nothing polls and no alarm can be
            // raised: it is moved aside (kept for analysis) and a new one is started. What it held is lost to delivery;
            // the alarm engine says so in a ticket, and alarm states are evaluated afresh from new readings.
            SqliteConnection.ClearAllPools();
            string stamp = timeProvider.GetUtcNow().ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);
            RecoveredFrom = $"{path}.corrupt-{stamp}";
            CorruptionReason = ex.Message;
            foreach (string suffix in new[] { "", "-wal", "-shm" })
                if (File.Exists(path + suffix))
                    File.Move(path + suffix, RecoveredFrom + suffix, overwrite: true);
            _connection = OpenFile(path, options, maxPageCount, out string epoch, out _lastId);
            Epoch = epoch;
        }
        _droppedForSize = Counter("dropped_for_size");
        _droppedForAge = Counter("dropped_for_age");
        _rejected = Counter("rejected_storage_full");
        _thread = new Thread(Loop) { IsBackground = true, Name = "outbox" };
        _thread.Start();
    }

    /// <summary>
    /// Opens the file, creates what is missing, and reads its epoch and last id: a file that is not a database or whose
    /// first pages are damaged shows here. (No full integrity check: on an SD card it would cost seconds at each start;
    /// damage deeper in the records table shows as a read error of the sinks, whose runners are supervised.)
    /// </summary>
    private static SqliteConnection OpenFile(string path, OutboxOptions options, long? maxPageCount, out string epoch, out long lastId)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            connection.Open();
            Run(connection, $"""
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = {(options.Durability == OutboxDurability.PowerLoss ? "FULL" : "NORMAL")};
                PRAGMA busy_timeout = 5000;
                CREATE TABLE IF NOT EXISTS records (id INTEGER PRIMARY KEY AUTOINCREMENT, kind INTEGER NOT NULL, created_at INTEGER NOT NULL, payload BLOB NOT NULL);
                CREATE TABLE IF NOT EXISTS cursors (sink TEXT PRIMARY KEY, position INTEGER NOT NULL);
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
                CREATE TABLE IF NOT EXISTS state (kind TEXT NOT NULL, key TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (kind, key));
                CREATE TABLE IF NOT EXISTS dead_letters (sink TEXT NOT NULL, id INTEGER NOT NULL, kind INTEGER NOT NULL, created_at INTEGER NOT NULL, payload BLOB NOT NULL, reason TEXT NOT NULL, failed_at INTEGER NOT NULL, PRIMARY KEY (sink, id));
                INSERT OR IGNORE INTO meta (key, value) VALUES ('epoch', lower(hex(randomblob(6))));
                """);
            if (maxPageCount is { } pages)
                Run(connection, $"PRAGMA max_page_count = {pages};");
            using var read = connection.CreateCommand();
            read.CommandText = "SELECT value FROM meta WHERE key = 'epoch'";
            epoch = (string)read.ExecuteScalar()!;
            read.CommandText = "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'records'), 0)";
            lastId = (long)read.ExecuteScalar()!;
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void Run(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Where a corrupt outbox file found at start was moved to (a new one was started), or null.</summary>
    public string? RecoveredFrom { get; }

    /// <summary>What was wrong with the file moved to <see cref="RecoveredFrom"/>.</summary>
    public string? CorruptionReason { get; }

    /// <summary>Random id of this outbox file; part of every record's key, so ids from a new file never collide with old ones.</summary>
    public string Epoch { get; }

    /// <summary>Raised on the outbox thread after records were committed; sinks wake up on it.</summary>
    public event Action? Committed;

    /// <summary>Highest id committed.</summary>
    public long LastId => Interlocked.Read(ref _lastId);

    /// <summary>Queues a record; the task completes with its id once committed, or fails if it could not be stored.</summary>
    public async ValueTask<Task<long>> AppendAsync(OutboxRecordKind kind, byte[] payload, CancellationToken cancellationToken)
    {
        var append = new Append(kind, payload);
        await _work.Writer.WriteAsync(append, cancellationToken).ConfigureAwait(false);
        return append.Done.Task;
    }

    /// <summary>
    /// Writes state rows (alarm states, tickets) and appends records in one transaction: either all of it is stored or
    /// none, so a crash between "change the state" and "notify" cannot lose or duplicate a notification.
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

    /// <summary>Records after <paramref name="afterId"/>, oldest first.</summary>
    public Task<IReadOnlyList<OutboxRecord>> ReadAfterAsync(long afterId, int limit, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<OutboxRecord>>(o => o.Read(afterId, limit), cancellationToken);

    /// <summary>A sink's cursor: the last id it took. A sink seen for the first time starts at the oldest record kept.</summary>
    public Task<long> GetCursorAsync(string sink, CancellationToken cancellationToken) =>
        RunAsync(o =>
        {
            o.Execute("INSERT OR IGNORE INTO cursors (sink, position) VALUES ($sink, COALESCE((SELECT MIN(id) - 1 FROM records), $last))", ("$sink", sink), ("$last", o._lastId));
            return o.Scalar<long>("SELECT position FROM cursors WHERE sink = $sink", ("$sink", sink));
        }, cancellationToken);

    /// <summary>Moves a sink's cursor forward after its peer acknowledged everything up to <paramref name="position"/>.</summary>
    public Task SetCursorAsync(string sink, long position, CancellationToken cancellationToken) =>
        RunAsync(o => o.Execute("UPDATE cursors SET position = MAX(position, $p) WHERE sink = $sink", ("$sink", sink), ("$p", position)), cancellationToken);

    /// <summary>
    /// Sets a record aside for one sink (a record it cannot send however often it tries: one that cannot be decoded
    /// after a downgrade, say), with the reason, so that it no longer blocks what comes after it. The record itself
    /// stays for the other sinks; the copy here is kept for analysis (<c>facility-gateway outbox dead-letters</c>).
    /// </summary>
    public Task DeadLetterAsync(string sink, OutboxRecord record, string reason, CancellationToken cancellationToken) =>
        RunAsync(o => o.Execute(
            "INSERT OR REPLACE INTO dead_letters (sink, id, kind, created_at, payload, reason, failed_at) VALUES ($sink, $id, $kind, $created, $payload, $reason, $at)",
            ("$sink", sink), ("$id", record.Id), ("$kind", (int)record.Kind), ("$created", record.CreatedAt.ToUnixTimeMilliseconds()), ("$payload", record.Payload),
            ("$reason", reason), ("$at", o._time.GetUtcNow().ToUnixTimeMilliseconds())), cancellationToken);

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
        }, cancellationToken);

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
        }, cancellationToken);

    /// <summary>Deletes what every listed sink has taken, then enforces the size and age bounds.</summary>
    public Task<(long Delivered, long DroppedForSize, long DroppedForAge)> PruneAsync(IReadOnlyCollection<string> sinks, CancellationToken cancellationToken) =>
        RunAsync(o => o.Prune(sinks), cancellationToken);

    /// <summary>What was appended, dropped and refused, and how many records are waiting.</summary>
    public Task<OutboxCounters> CountersAsync(CancellationToken cancellationToken) =>
        RunAsync(o => new OutboxCounters(Interlocked.Read(ref o._appended), o._droppedForSize, o._droppedForAge, Interlocked.Read(ref o._rejected),
            o.Scalar<long>("SELECT COUNT(*) FROM records")), cancellationToken);

    private async Task<T> RunAsync<T>(Func<SqliteOutbox, T> run, CancellationToken cancellationToken)
    {
        var work = new Work<T>(run);
        await _work.Writer.WriteAsync(work, cancellationToken).ConfigureAwait(false);
        return await work.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private Task RunAsync(Action<SqliteOutbox> run, CancellationToken cancellationToken) => RunAsync<bool>(o => { run(o); return true; }, cancellationToken);

    /// <summary>The outbox thread: waits for work (blocking this dedicated thread only), commits appends in groups.</summary>
    private void Loop()
    {
        var reader = _work.Reader;
        var appends = new List<Append>(MaxGroup);
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (reader.TryRead(out var work))
            {
                if (work is Append append)
                {
                    appends.Add(append);
                    if (appends.Count < MaxGroup)
                        continue;
                }
                Flush(appends);
                if (work is not Append)
                    RunOne(work);
            }
            Flush(appends);
        }
        Flush(appends);
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

    private void Flush(List<Append> appends)
    {
        if (appends.Count == 0)
            return;
        try
        {
            using var transaction = _connection.BeginTransaction();
            var ids = InsertRecords(transaction, appends.ConvertAll(a => (a.Kind, a.Payload)));
            transaction.Commit();
            Accepted(ids);
            for (int i = 0; i < appends.Count; i++)
                appends[i].Done.TrySetResult(ids[i]);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 13 /* SQLITE_FULL */ or 10 /* SQLITE_IOERR */)
        {
            // A full disk (or a file at its cap): keep running, count what could not be kept.
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
        catch (SqliteException ex) when (ex.SqliteErrorCode is 13 /* SQLITE_FULL */ or 10 /* SQLITE_IOERR */)
        {
            throw new OutboxFullException($"The outbox could not store a state change: {ex.Message}", ex); // rolled back: nothing of it stored
        }
    }

    private long[] TransactOrThrow(IReadOnlyList<(string Kind, string Key, string Json)> state, IReadOnlyList<(OutboxRecordKind Kind, byte[] Payload)> records)
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
        if (ids.Length > 0)
        {
            Accepted(ids);
            Committed?.Invoke();
        }
        return ids;
    }

    /// <summary>Inserts records in the caller's transaction with one prepared statement; returns their ids.</summary>
    private long[] InsertRecords(SqliteTransaction transaction, IReadOnlyList<(OutboxRecordKind Kind, byte[] Payload)> records)
    {
        using var insert = _connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO records (kind, created_at, payload) VALUES ($kind, $created, $payload) RETURNING id";
        var kind = insert.Parameters.Add("$kind", SqliteType.Integer);
        insert.Parameters.AddWithValue("$created", _time.GetUtcNow().ToUnixTimeMilliseconds());
        var payload = insert.Parameters.Add("$payload", SqliteType.Blob);
        var ids = new long[records.Count];
        for (int i = 0; i < records.Count; i++)
        {
            kind.Value = (int)records[i].Kind;
            payload.Value = records[i].Payload;
            ids[i] = (long)insert.ExecuteScalar()!;
        }
        return ids;
    }

    /// <summary>After a commit: the last id and the appended count.</summary>
    private void Accepted(long[] ids)
    {
        Interlocked.Exchange(ref _lastId, ids[^1]);
        Interlocked.Add(ref _appended, ids.Length);
    }

    private List<OutboxRecord> Read(long afterId, int limit)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT id, kind, created_at, payload FROM records WHERE id > $after ORDER BY id LIMIT $limit";
        command.Parameters.AddWithValue("$after", afterId);
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var records = new List<OutboxRecord>();
        while (reader.Read())
            records.Add(new OutboxRecord(reader.GetInt64(0), (OutboxRecordKind)reader.GetInt32(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), (byte[])reader[3], Epoch));
        return records;
    }

    private (long, long, long) Prune(IReadOnlyCollection<string> sinks)
    {
        long delivered = 0, forSize = 0, forAge = 0;
        if (sinks.Count > 0)
        {
            string names = string.Join(',', sinks.Select((_, i) => $"$s{i}"));
            using var command = _connection.CreateCommand();
            command.CommandText = $"DELETE FROM records WHERE id <= (SELECT MIN(position) FROM cursors WHERE sink IN ({names}))";
            int i = 0;
            foreach (var sink in sinks)
                command.Parameters.AddWithValue($"$s{i++}", sink);
            delivered = command.ExecuteNonQuery();
        }
        long oldest = (_time.GetUtcNow() - _options.MaxAge).ToUnixTimeMilliseconds();
        forAge = ExecuteCount("DELETE FROM records WHERE created_at < $oldest", ("$oldest", oldest));
        long count = Scalar<long>("SELECT COUNT(*) FROM records");
        if (count > _options.MaxRecords)
            forSize = ExecuteCount("DELETE FROM records WHERE id IN (SELECT id FROM records ORDER BY id LIMIT $n)", ("$n", count - _options.MaxRecords));
        if (forSize + forAge > 0)
        {
            _droppedForSize += forSize;
            _droppedForAge += forAge;
            Execute("INSERT INTO counters (name, value) VALUES ('dropped_for_size', $a) ON CONFLICT (name) DO UPDATE SET value = $a", ("$a", _droppedForSize));
            Execute("INSERT INTO counters (name, value) VALUES ('dropped_for_age', $b) ON CONFLICT (name) DO UPDATE SET value = $b", ("$b", _droppedForAge));
        }
        if (delivered > 10_000)
            Execute("PRAGMA wal_checkpoint(TRUNCATE);");
        return (delivered, forSize, forAge);
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
            // The disk is full: the counter lives in memory until it can be written.
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

/// <summary>The outbox could not store a record (disk full): the record is lost and counted.</summary>
public sealed class OutboxFullException(string message, Exception? inner = null) : Exception(message, inner);
