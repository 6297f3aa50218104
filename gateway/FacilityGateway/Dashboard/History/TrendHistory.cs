using System.Threading.Channels;
using FacilityGateway.Readings;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Dashboard.History;

/// <summary>A trend's span: the last hour and day from the minute tier, the last week from the quarter-hour tier.</summary>
public enum TrendRange { Hour, Day, Week }

/// <summary>How far back a <see cref="TrendRange"/> reaches.</summary>
public static class TrendRanges
{
    public static TimeSpan Span(this TrendRange range) => range switch { TrendRange.Hour => TimeSpan.FromHours(1), TrendRange.Day => TimeSpan.FromDays(1), _ => TimeSpan.FromDays(7) };
}

/// <summary>A point's trend: its buckets, oldest first, the open one last.</summary>
public sealed record TrendSeries(string Device, string Point, TrendRange Range, TimeSpan BucketWidth, IReadOnlyList<TrendBucket> Buckets);

/// <summary>
/// The local trend history the dashboard draws (no InfluxDB needed, works offline): every good numeric reading is
/// folded into the open minute and quarter-hour bucket of its point (average, minimum, maximum); closed buckets are
/// written to <see cref="TrendStore"/> every 15 seconds, by one thread of its own (SQLite blocks), and a point's
/// hour, day or week is read back from it. Bounded: each tier keeps a fixed span, and at most
/// <see cref="TrendHistoryPlan.MaxPoints"/> points have a history (the size limit divided by what a point takes). A
/// disk that is full or read-only costs the buckets of that moment, logged once, never a reading of the pipeline.
/// </summary>
public sealed partial class TrendHistory(TrendHistoryPlan plan, TimeProvider time, ILogger<TrendHistory> logger) : BackgroundService, IReadingConsumer
{
    /// <summary>How often open buckets are checked for their end.</summary>
    private static readonly TimeSpan TickEvery = TimeSpan.FromSeconds(15);
    /// <summary>
    /// How often closed buckets are written, in one transaction: five minutes of a thousand points is one append of
    /// 80 KB, and the file's own bookkeeping (b-tree pages, journal) is paid once for five buckets, not each minute
    /// (docs/PERFORMANCE.md: about 20 KB per point per day). A power cut loses at most these minutes of the trend.
    /// </summary>
    private static readonly TimeSpan WriteEvery = TimeSpan.FromMinutes(5);
    /// <summary>How long a bucket stays open after its end for readings sampled in it that arrive late (a slow poll).</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);
    private readonly Channel<Action<TrendStore>> _work = Channel.CreateBounded<Action<TrendStore>>(new BoundedChannelOptions(64) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Device, string Point), int> _columns = [];
    private readonly List<(int Column, string Device, string Point)> _newSeries = [];
    private readonly SortedDictionary<long, TrendAccumulator>[] _open = [.. TrendTier.All.Select(_ => new SortedDictionary<long, TrendAccumulator>())];
    private readonly long[] _closedBefore = new long[TrendTier.All.Count];
    /// <summary>Buckets closed since the last write, with their tier; drawn from memory until written.</summary>
    private readonly List<(int Tier, TrendAccumulator Bucket)> _closed = [];
    private DateTimeOffset _writtenAt;
    private long _writeFailures;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _full;
    private string? _failure;

    /// <summary>Buckets that could not be written (full or read-only disk, I/O error) since the start.</summary>
    public long WriteFailures => Interlocked.Read(ref _writeFailures);

    /// <summary>Points with a history.</summary>
    public int Points { get { lock (_gate) return _columns.Count; } }

    /// <summary>Completes once the file is open and the points seen before are known.</summary>
    public Task Ready => _ready.Task;

    public ValueTask ConsumeAsync(ReadingBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!plan.Enabled || !_ready.Task.IsCompletedSuccessfully)
            return ValueTask.CompletedTask;
        lock (_gate)
        {
            foreach (var reading in batch.Readings)
            {
                if (reading.Quality != Quality.Good || !double.IsFinite(reading.Value) || ColumnOf(reading.DeviceId, reading.PointId) is not { } column)
                    continue;
                for (int t = 0; t < _open.Length; t++)
                {
                    long start = TrendTier.All[t].StartOf(reading.SampledAt);
                    if (start < _closedBefore[t])
                        continue; // sampled in a bucket already stored
                    if (!_open[t].TryGetValue(start, out var open))
                        _open[t][start] = open = new TrendAccumulator(start);
                    open.Add(column, reading.Value);
                }
            }
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>A point's trend, or null when it has no history (unknown point, or history off).</summary>
    public async Task<TrendSeries?> QueryAsync(string device, string point, TrendRange range, CancellationToken cancellationToken)
    {
        if (!plan.Enabled)
            return null;
        await _ready.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        int column;
        List<TrendBucket> current;
        var tier = range == TrendRange.Week ? TrendTier.Quarter : TrendTier.Minute;
        var now = time.GetUtcNow();
        long from = tier.StartOf(now - range.Span());
        lock (_gate)
        {
            if (!_columns.TryGetValue((device, point), out column))
                return null;
            int t = range == TrendRange.Week ? 1 : 0;
            current = [.. _closed.Where(c => c.Tier == t).Select(c => c.Bucket).Concat(_open[t].Values).Select(b => b.Of(column)).OfType<TrendBucket>()];
        }
        var done = new TaskCompletionSource<List<TrendBucket>>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _work.Writer.WriteAsync(store =>
        {
            try
            {
                done.TrySetResult(store.Read(tier, column, from));
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        }, cancellationToken).ConfigureAwait(false);
        var buckets = await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        buckets.AddRange(current.Where(open => buckets.Count == 0 || buckets[^1].Start < open.Start));
        return new TrendSeries(device, point, range, tier.Width, buckets);
    }

    private int? ColumnOf(string device, string point)
    {
        if (_columns.TryGetValue((device, point), out int column))
            return column;
        if (_columns.Count >= plan.MaxPoints)
        {
            if (!_full)
                LogFull(plan.MaxPoints, device, point);
            _full = true;
            return null;
        }
        column = _columns.Count;
        _columns[(device, point)] = column;
        _newSeries.Add((column, device, point));
        return column;
    }

    /// <summary>Hands the closed buckets (and the columns of new points) to the store's thread, as one write; under <see cref="_gate"/>.</summary>
    private void WriteClosed()
    {
        _writtenAt = time.GetUtcNow();
        if (_closed.Count == 0 && _newSeries.Count == 0)
            return;
        var buckets = _closed.Select(c => (TrendTier.All[c.Tier], c.Bucket.Start, c.Bucket.Encode(_columns.Count))).ToList();
        var series = _newSeries.ToArray();
        _newSeries.Clear();
        _closed.Clear();
        var now = _writtenAt;
        if (!_work.Writer.TryWrite(store => Write(store, series, buckets, now)))
        {
            Interlocked.Add(ref _writeFailures, buckets.Count);
            _newSeries.AddRange(series); // the store is behind: the buckets are lost, the columns are stored with the next
        }
    }

    private void Write(TrendStore store, IReadOnlyList<(int, string, string)> series, IReadOnlyList<(TrendTier, long, byte[])> buckets, DateTimeOffset now)
    {
        try
        {
            store.Write(series, buckets, now);
            if (_failure is not null)
                LogRecovered(store.Path);
            _failure = null;
        }
        catch (SqliteException ex)
        {
            Interlocked.Increment(ref _writeFailures);
            if (_failure is null)
                LogWriteFailed(store.Path, ex.Message);
            _failure = ex.Message;
            lock (_gate)
                _newSeries.AddRange(series); // kept in memory: stored with the next bucket that can be written
        }
    }

    /// <summary>Closes the buckets whose time is up, so a point that stopped reporting still gets its last bucket stored.</summary>
    private void Tick()
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            for (int t = 0; t < _open.Length; t++)
            {
                var tier = TrendTier.All[t];
                foreach (var open in _open[t].Values.Where(b => b.Start + (long)(tier.Width + Grace).TotalSeconds <= now.ToUnixTimeSeconds()).ToList())
                {
                    _closed.Add((t, open));
                    _open[t].Remove(open.Start);
                    _closedBefore[t] = Math.Max(_closedBefore[t], open.Start + (long)tier.Width.TotalSeconds);
                }
            }
            if (now - _writtenAt >= WriteEvery)
                WriteClosed();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!plan.Enabled)
            return;
        var thread = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() => Loop(thread)) { IsBackground = true, Name = "trend-history" }.Start();
        await using var timer = time.CreateTimer(_ => Tick(), null, TickEvery, TickEvery).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, time, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        lock (_gate)
        {
            // Partial buckets are stored at stop; the next start replaces them with what it folds into the same bucket.
            for (int t = 0; t < _open.Length; t++)
                foreach (var open in _open[t].Values)
                    _closed.Add((t, open));
            WriteClosed();
            _work.Writer.TryComplete();
        }
        await thread.Task.ConfigureAwait(false);
    }

    private void Loop(TaskCompletionSource stopped)
    {
        try
        {
            using var store = new TrendStore(plan.Path, time.GetUtcNow());
            if (store.RecoveredFrom is { } moved)
                LogRecoveredCorrupt(moved, plan.Path);
            lock (_gate)
                foreach (var (key, column) in store.Columns)
                    _columns[key] = column;
            _ready.TrySetResult();
            while (_work.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult()) // its own thread, not the pool's
                while (_work.Reader.TryRead(out var work))
                    work(store);
            stopped.TrySetResult();
        }
        catch (Exception ex)
        {
            // Cannot open the file at all (a read-only data directory): the dashboard draws no trends; all else runs on.
            LogCannotOpen(plan.Path, ex.Message);
            _ready.TrySetException(ex);
            stopped.TrySetResult();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trend history holds {Max} points, its limit (dashboard.history.max_size); {Device}/{Point} and later points have no trend. Raise max_size to keep them")]
    private partial void LogFull(int max, string device, string point);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trend history {Path} cannot be written ({Reason}): trends miss these minutes until it can; readings and alarms are not affected")]
    private partial void LogWriteFailed(string path, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Trend history {Path} is written again")]
    private partial void LogRecovered(string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trend history was damaged and moved to {Moved}; a new one is started at {Path}")]
    private partial void LogRecoveredCorrupt(string moved, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Trend history {Path} cannot be opened ({Reason}): the dashboard shows no trends. Check the data directory's permissions and free space")]
    private partial void LogCannotOpen(string path, string reason);
}
