using Microsoft.Data.Sqlite;

namespace FacilityGateway.Outbox;

/// <summary>Opening the outbox file: the schema, the migration of a file written before lanes, and a corrupt file.</summary>
public sealed partial class SqliteOutbox
{
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
        LoadSizes();
        LoadLayouts();
        _thread = new Thread(Loop) { IsBackground = true, Name = "outbox" };
        _thread.Start();
    }

    /// <summary>
    /// Opens the file, creates what is missing (and adds lanes to a file from before them), and reads its epoch and
    /// last id: a file that is not a database or whose first pages are damaged shows here. (No full integrity check: on
    /// an SD card it would cost seconds at each start; damage deeper in the records shows as a read error of the sinks,
    /// whose runners are supervised.)
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
                CREATE TABLE IF NOT EXISTS records (id INTEGER PRIMARY KEY AUTOINCREMENT, kind INTEGER NOT NULL, created_at INTEGER NOT NULL, payload BLOB NOT NULL, lane INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE IF NOT EXISTS cursors (sink TEXT PRIMARY KEY, position INTEGER NOT NULL);
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
                CREATE TABLE IF NOT EXISTS state (kind TEXT NOT NULL, key TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (kind, key));
                CREATE TABLE IF NOT EXISTS layouts (id INTEGER PRIMARY KEY, device TEXT NOT NULL, asset TEXT NOT NULL, points BLOB NOT NULL);
                CREATE TABLE IF NOT EXISTS dead_letters (sink TEXT NOT NULL, id INTEGER NOT NULL, kind INTEGER NOT NULL, created_at INTEGER NOT NULL, payload BLOB NOT NULL, reason TEXT NOT NULL, failed_at INTEGER NOT NULL, PRIMARY KEY (sink, id));
                INSERT OR IGNORE INTO meta (key, value) VALUES ('epoch', lower(hex(randomblob(6))));
                """);
            AddLanes(connection);
            Run(connection, "CREATE INDEX IF NOT EXISTS records_by_lane ON records (lane, id);");
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

    /// <summary>
    /// The file's layouts, each held by every record up to now until its first prune says otherwise (a layout used
    /// before this start is known only to records before it).
    /// </summary>
    private void LoadLayouts()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT id, device, asset, points FROM layouts";
        using var reader = command.ExecuteReader();
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        while (reader.Read())
        {
            var layout = ReadingLayout.Decode(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), (byte[])reader[3]);
            (layout.LastRecord, layout.LastUsedAt) = (_lastId, now);
            Layouts.Load(layout);
        }
    }

    /// <summary>A file written before lanes: every record gets its lane, once.</summary>
    private static void AddLanes(SqliteConnection connection)
    {
        using var columns = connection.CreateCommand();
        columns.CommandText = "SELECT COUNT(*) FROM pragma_table_info('records') WHERE name = 'lane'";
        if ((long)columns.ExecuteScalar()! > 0)
            return;
        Run(connection, $"""
            BEGIN;
            ALTER TABLE records ADD COLUMN lane INTEGER NOT NULL DEFAULT 0;
            UPDATE records SET lane = {(int)OutboxLane.Events} WHERE kind <> {(int)OutboxRecordKind.Readings};
            DELETE FROM counters WHERE name LIKE 'size.%';
            COMMIT;
            """);
    }

    private static void Run(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
