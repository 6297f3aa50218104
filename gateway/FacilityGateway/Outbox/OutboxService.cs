using FacilityGateway.Readings;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Outbox;

/// <summary>
/// Appends every reading batch to the durable outbox. Prunes what every configured sink has taken and reports what the
/// bounds dropped and what a full disk refused. It knows sinks only by their ids (their cursors); running them over the
/// outbox is Delivery's (<c>Delivery/DeliveryService</c>).
/// </summary>
public sealed partial class OutboxService : BackgroundService, IReadingConsumer
{
    private static readonly TimeSpan PruneEvery = TimeSpan.FromSeconds(10);
    private readonly OutboxPlan _plan;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AsyncSignal _committed = new();
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private SqliteOutbox? _outbox;
    private OutboxCounters _reported = new(0, 0, 0, 0, 0);

    public OutboxService(OutboxPlan plan, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        _plan = plan;
        _time = time;
        _logger = loggers.CreateLogger<OutboxService>();
    }

    /// <summary>What the outbox held at its last report (every 10 s): pending records, bytes, free disk, drops.</summary>
    public OutboxCounters LastCounters => Volatile.Read(ref _reported);

    /// <summary>Completes once the outbox is open.</summary>
    public Task Opened => _opened.Task;

    /// <summary>The open outbox (after start).</summary>
    public SqliteOutbox Outbox => _outbox ?? throw new InvalidOperationException("The outbox is not open yet.");

    /// <summary>Pulsed after records were committed: delivery wakes up on it.</summary>
    public AsyncSignal Committed => _committed;

    /// <summary>Test hook: caps the outbox file in pages, as a full disk would.</summary>
    internal long? MaxPageCount { get; init; }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        string path = _plan.File;
        _outbox = new SqliteOutbox(path, _plan.Options, _time, MaxPageCount);
        _outbox.Committed += _committed.Pulse;
        if (_outbox.RecoveredFrom is { } movedTo)
            LogRecovered(path, _outbox.CorruptionReason ?? "", movedTo);
        LogOpened(path, _outbox.Epoch, _outbox.LastId, _plan.Options.Durability);
        _opened.TrySetResult();
        return base.StartAsync(cancellationToken);
    }

    /// <summary>Queues the batch for the outbox; it is accepted once committed (group commit, a few milliseconds).</summary>
    public async ValueTask ConsumeAsync(ReadingBatch batch, CancellationToken cancellationToken)
    {
        await _opened.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        var committed = await Outbox.AppendAsync(batch, cancellationToken, mayWait: true).ConfigureAwait(false);
        _ = committed.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // Every configured sink keeps its backlog, a disabled one too (until the bounds drop old telemetry): its
            // cursors exist from the first start, so pruning waits for it.
            foreach (var consumer in _plan.Consumers)
                foreach (var lane in new[] { OutboxLane.Telemetry, OutboxLane.Events })
                    await Outbox.GetCursorAsync(consumer, lane, stoppingToken).ConfigureAwait(false);
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(PruneEvery, _time, stoppingToken).ConfigureAwait(false);
                try
                {
                    await PruneAndReportAsync(stoppingToken).ConfigureAwait(false);
                    if (_storageFailing)
                        LogStorageBack();
                    _storageFailing = false;
                }
                catch (Exception ex) when (ex is OutboxFullException or Microsoft.Data.Sqlite.SqliteException && !stoppingToken.IsCancellationRequested)
                {
                    // A full or read-only disk: polling and alarms go on in memory; this says so once, then when it is back.
                    if (!_storageFailing)
                        LogStorageFailing(ex.Message);
                    _storageFailing = true;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task PruneAndReportAsync(CancellationToken cancellationToken)
    {
        await Outbox.PruneAsync(_plan.Consumers, cancellationToken).ConfigureAwait(false);
        var counters = await Outbox.CountersAsync(cancellationToken).ConfigureAwait(false);
        if (counters.DroppedForSize > _reported.DroppedForSize || counters.DroppedForAge > _reported.DroppedForAge)
            LogDropped(counters.DroppedForSize - _reported.DroppedForSize, counters.DroppedForAge - _reported.DroppedForAge, counters.DroppedForSize + counters.DroppedForAge);
        if (counters.RejectedStorageFull > _reported.RejectedStorageFull)
            LogRejected(counters.RejectedStorageFull - _reported.RejectedStorageFull, counters.RejectedStorageFull);
        Volatile.Write(ref _reported, counters);
        await ReportHealthAsync(counters, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The outbox's health, as readings of the device <see cref="GatewayDevice.Id"/>: what it holds, dropped and refused, and its disk.</summary>
    private async Task ReportHealthAsync(OutboxCounters counters, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var readings = new List<Reading>
        {
            new(GatewayDevice.Id, "outbox.pending", counters.Pending, null, "", Quality.Good, now),
            new(GatewayDevice.Id, "outbox.dropped_for_size", counters.DroppedForSize, null, "", Quality.Good, now),
            new(GatewayDevice.Id, "outbox.dropped_for_age", counters.DroppedForAge, null, "", Quality.Good, now),
            new(GatewayDevice.Id, "outbox.rejected_storage_full", counters.RejectedStorageFull, null, "", Quality.Good, now),
            new(GatewayDevice.Id, "outbox.pending_events", counters.PendingEvents, null, "", Quality.Good, now),
            new(GatewayDevice.Id, "outbox.bytes", counters.Bytes, null, "B", Quality.Good, now),
            new(GatewayDevice.Id, "outbox.storage_ok", Outbox.StorageFailure is null ? 1 : 0, Outbox.StorageFailure, "", Quality.Good, now),
        };
        if (counters.FreeDiskBytes is { } free)
            readings.Add(new(GatewayDevice.Id, "outbox.free_disk", free, null, "B", Quality.Good, now));
        var batch = new ReadingBatch(GatewayDevice.Id, _plan.GatewayId, now, readings);
        _ = await Outbox.AppendAsync(batch, cancellationToken, mayWait: true).ConfigureAwait(false); // telemetry: it waits for the group
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_outbox is not null)
            await _outbox.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox {Path} open (epoch {Epoch}, last id {LastId}, survives {Durability})")]
    private partial void LogOpened(string path, string epoch, long lastId, OutboxDurability durability);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox full: dropped the oldest {ForSize} record(s) for size and {ForAge} for age ({Total} dropped since it was created)")]
    private partial void LogDropped(long forSize, long forAge, long total);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storage full: {Count} record(s) could not be kept ({Total} since the outbox was created); the gateway keeps running")]
    private partial void LogRejected(long count, long total);

    [LoggerMessage(Level = LogLevel.Error, Message = "The outbox file {Path} was corrupt ({Reason}); it was moved to {MovedTo} for analysis and a new one was started: what it held and had not delivered is lost")]
    private partial void LogRecovered(string path, string reason, string movedTo);

    private bool _storageFailing;

    [LoggerMessage(Level = LogLevel.Error, Message = "The outbox's disk refuses writes ({Error}); the gateway goes on polling and alarming in memory and stores again when it can")]
    private partial void LogStorageFailing(string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The outbox's disk takes writes again")]
    private partial void LogStorageBack();
}
