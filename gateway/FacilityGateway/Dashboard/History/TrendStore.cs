using Microsoft.Data.Sqlite;

namespace FacilityGateway.Dashboard.History;

/// <summary>
/// The trend history's file (<c>history.db</c> in the data directory), SQLite with a rollback journal (one thread
/// writes and reads it, so WAL's concurrent readers buy nothing, and WAL would write every page twice) and
/// <c>synchronous=FULL</c>, so that a power cut cannot damage it. A table per tier holds one
/// row per bucket with every point's average, minimum and maximum packed side by side (12 bytes a point), so a minute
/// of a thousand points is one append of 12 KB, not a thousand scattered row writes on the SD card; reading a point's
/// day reads its 12 bytes out of each of 1,440 rows. Points get a column the first time they are seen and keep it.
/// Not thread-safe: <see cref="TrendHistory"/> calls it from its own thread only.
/// </summary>
internal sealed class TrendStore : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Dictionary<(string Device, string Point), int> _columns = [];
    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);
    private DateTimeOffset _prunedAt = DateTimeOffset.MinValue;

    /// <summary>Where a corrupt file found at start was moved to (a new one was started), or null.</summary>
    public string? RecoveredFrom { get; }

    public string Path { get; }

    public TrendStore(string path, DateTimeOffset now)
    {
        Path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        try
        {
            _connection = Open(path);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 11 /* SQLITE_CORRUPT */ or 26 /* SQLITE_NOTADB */)
        {
            // Trends are a view: a damaged file is kept for analysis and a new one started, never a gateway that stops.
            SqliteConnection.ClearAllPools();
            RecoveredFrom = $"{path}.corrupt-{now.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture)}";
            foreach (string suffix in (string[])["", "-journal", "-wal", "-shm"])
                if (File.Exists(path + suffix))
                    File.Move(path + suffix, RecoveredFrom + suffix, overwrite: true);
            _connection = Open(path);
        }
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT col, device, point FROM series";
        using var reader = command.ExecuteReader();
        while (reader.Read())
            _columns[(reader.GetString(1), reader.GetString(2))] = reader.GetInt32(0);
    }

    private static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"""
                PRAGMA journal_mode = TRUNCATE;
                PRAGMA synchronous = FULL;
                CREATE TABLE IF NOT EXISTS series (col INTEGER PRIMARY KEY, device TEXT NOT NULL, point TEXT NOT NULL, UNIQUE (device, point));
                {string.Join("\n", TrendTier.All.Select(t => $"CREATE TABLE IF NOT EXISTS {t.Table} (start INTEGER PRIMARY KEY, data BLOB NOT NULL);"))}
                SELECT count(*) FROM series;
                """;
            command.ExecuteScalar();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The column of every point seen before, as stored.</summary>
    public IReadOnlyDictionary<(string Device, string Point), int> Columns => _columns;

    /// <summary>
    /// Stores the columns of new points and closed buckets (replacing a partial one stored at the last stop), and drops
    /// what each tier no longer keeps, in one transaction.
    /// </summary>
    public void Write(IReadOnlyList<(int Column, string Device, string Point)> newSeries, IReadOnlyList<(TrendTier Tier, long Start, byte[] Data)> buckets, DateTimeOffset now)
    {
        using var transaction = _connection.BeginTransaction();
        foreach (var (column, device, point) in newSeries)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "INSERT OR REPLACE INTO series (col, device, point) VALUES ($col, $device, $point)";
            command.Parameters.AddWithValue("$col", column);
            command.Parameters.AddWithValue("$device", device);
            command.Parameters.AddWithValue("$point", point);
            command.ExecuteNonQuery();
            _columns[(device, point)] = column;
        }
        foreach (var (tier, start, data) in buckets)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = $"INSERT OR REPLACE INTO {tier.Table} (start, data) VALUES ($start, $data)";
            command.Parameters.AddWithValue("$start", start);
            command.Parameters.AddWithValue("$data", data);
            command.ExecuteNonQuery();
        }
        // What a tier no longer keeps goes once an hour (the file holds an hour more): pruning rewrites b-tree and
        // free-list pages, and once an hour it does so for sixty buckets at a time.
        foreach (var tier in now - _prunedAt < PruneEvery ? [] : TrendTier.All)
        {
            using var prune = _connection.CreateCommand();
            prune.CommandText = $"DELETE FROM {tier.Table} WHERE start < $oldest";
            prune.Parameters.AddWithValue("$oldest", (now - tier.Kept).ToUnixTimeSeconds());
            prune.ExecuteNonQuery();
        }
        transaction.Commit();
        if (now - _prunedAt >= PruneEvery)
            _prunedAt = now;
    }

    /// <summary>A point's buckets of one tier from <paramref name="from"/> (Unix seconds) on, oldest first.</summary>
    public List<TrendBucket> Read(TrendTier tier, int column, long from)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = $"SELECT start, substr(data, $offset, {TrendTier.BytesPerPoint}) FROM {tier.Table} WHERE start >= $from ORDER BY start";
        command.Parameters.AddWithValue("$offset", column * TrendTier.BytesPerPoint + 1);
        command.Parameters.AddWithValue("$from", from);
        using var reader = command.ExecuteReader();
        var buckets = new List<TrendBucket>();
        while (reader.Read())
        {
            if (reader.IsDBNull(1))
                continue;
            var slot = (byte[])reader.GetValue(1);
            if (TrendAccumulator.Decode(reader.GetInt64(0), slot, 0) is { } bucket)
                buckets.Add(bucket);
        }
        return buckets;
    }

    public void Dispose() => _connection.Dispose();
}
