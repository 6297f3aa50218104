using FacilityGateway.Configuration;
using FacilityGateway.Readings;
using FacilityGateway.Sinks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Outbox;

/// <summary>
/// Appends every reading batch to the durable outbox and runs one <see cref="SinkRunner"/> per enabled sink. Prunes
/// what every sink has taken and reports what the size and age bounds dropped and what a full disk refused.
/// </summary>
public sealed partial class OutboxService : BackgroundService, IReadingConsumer
{
    private static readonly TimeSpan PruneEvery = TimeSpan.FromSeconds(10);
    private readonly GatewayConfig _config;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly AsyncSignal _committed = new();
    private readonly List<SinkRunner> _runners = [];
    private readonly List<ISink> _sinks = [];
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private SqliteOutbox? _outbox;
    private OutboxCounters _reported = new(0, 0, 0, 0, 0);

    private readonly IServiceProvider _services;

    public OutboxService(GatewayConfig config, TimeProvider time, ILoggerFactory loggers, IServiceProvider services)
    {
        _services = services;
        _config = config;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<OutboxService>();
    }

    /// <summary>Completes once the outbox is open.</summary>
    public Task Opened => _opened.Task;

    /// <summary>The open outbox (after start).</summary>
    public SqliteOutbox Outbox => _outbox ?? throw new InvalidOperationException("The outbox is not open yet.");

    /// <summary>The sink runners (after start), for status views and tests.</summary>
    public IReadOnlyList<SinkRunner> Runners => _runners;

    /// <summary>Test hook: caps the outbox file in pages, as a full disk would.</summary>
    internal long? MaxPageCount { get; init; }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        string path = _config.Outbox.FullPath(_config.Gateway.DataDirectory);
        _outbox = new SqliteOutbox(path, _config.Outbox, _time, MaxPageCount);
        _outbox.Committed += _committed.Pulse;
        if (_outbox.RecoveredFrom is { } movedTo)
            LogRecovered(path, _outbox.CorruptionReason ?? "", movedTo);
        LogOpened(path, _outbox.Epoch, _outbox.LastId, _config.Outbox.Durability);
        foreach (var options in _config.Sinks.Where(s => s.Enabled))
        {
            var sink = SinkKinds.All[options.Kind].Create(options, _config, _services);
            _sinks.Add(sink);
            _runners.Add(new SinkRunner(sink, _outbox, _committed, _time, options.MaxBackoff, _loggers.CreateLogger($"FacilityGateway.Sinks.{options.Kind}")));
        }
        _opened.TrySetResult();
        return base.StartAsync(cancellationToken);
    }

    /// <summary>Queues the batch for the outbox; it is accepted once committed (group commit, a few milliseconds).</summary>
    public async ValueTask ConsumeAsync(ReadingBatch batch, CancellationToken cancellationToken)
    {
        await _opened.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        var committed = await Outbox.AppendAsync(OutboxRecordKind.Readings, ReadingBatchCodec.Encode(batch), cancellationToken).ConfigureAwait(false);
        _ = committed.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var runners = _runners.Select(r => r.RunAsync(stoppingToken)).ToList();
        try
        {
            // Every configured sink keeps its backlog, a disabled one too (until the bounds drop old telemetry): its
            // cursors exist from the first start, so pruning waits for it.
            foreach (var sink in _config.Sinks)
                foreach (var lane in new[] { OutboxLane.Telemetry, OutboxLane.Events })
                    await Outbox.GetCursorAsync(sink.Id, lane, stoppingToken).ConfigureAwait(false);
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
        try
        {
            await Task.WhenAll(runners).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task PruneAndReportAsync(CancellationToken cancellationToken)
    {
        await Outbox.PruneAsync([.. _config.Sinks.Select(s => s.Id)], cancellationToken).ConfigureAwait(false);
        var counters = await Outbox.CountersAsync(cancellationToken).ConfigureAwait(false);
        if (counters.DroppedForSize > _reported.DroppedForSize || counters.DroppedForAge > _reported.DroppedForAge)
            LogDropped(counters.DroppedForSize - _reported.DroppedForSize, counters.DroppedForAge - _reported.DroppedForAge, counters.DroppedForSize + counters.DroppedForAge);
        if (counters.RejectedStorageFull > _reported.RejectedStorageFull)
            LogRejected(counters.RejectedStorageFull - _reported.RejectedStorageFull, counters.RejectedStorageFull);
        _reported = counters;
        await ReportHealthAsync(counters, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The gateway's own health, as readings of the device <see cref="GatewayDeviceId"/>: what the outbox holds, dropped and refused, and each sink's lag.</summary>
    private async Task ReportHealthAsync(OutboxCounters counters, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var deadLetters = await Outbox.DeadLetterCountsAsync(cancellationToken).ConfigureAwait(false);
        var readings = new List<Reading>
        {
            new(GatewayDeviceId, "outbox.pending", counters.Pending, null, "", Quality.Good, now),
            new(GatewayDeviceId, "outbox.dropped_for_size", counters.DroppedForSize, null, "", Quality.Good, now),
            new(GatewayDeviceId, "outbox.dropped_for_age", counters.DroppedForAge, null, "", Quality.Good, now),
            new(GatewayDeviceId, "outbox.rejected_storage_full", counters.RejectedStorageFull, null, "", Quality.Good, now),
            new(GatewayDeviceId, "outbox.pending_events", counters.PendingEvents, null, "", Quality.Good, now),
            new(GatewayDeviceId, "outbox.bytes", counters.Bytes, null, "B", Quality.Good, now),
            new(GatewayDeviceId, "outbox.storage_ok", Outbox.StorageFailure is null ? 1 : 0, Outbox.StorageFailure, "", Quality.Good, now),
        };
        if (counters.FreeDiskBytes is { } free)
            readings.Add(new(GatewayDeviceId, "outbox.free_disk", free, null, "B", Quality.Good, now));
        foreach (var runner in _runners)
        {
            readings.Add(new(GatewayDeviceId, $"sink.{runner.Name}.lag", Outbox.LastId - runner.Cursor, null, "records", Quality.Good, now));
            readings.Add(new(GatewayDeviceId, $"sink.{runner.Name}.online", runner.Failing ? 0 : 1, null, "", Quality.Good, now));
            readings.Add(new(GatewayDeviceId, $"sink.{runner.Name}.restarts", runner.Restarts, null, "", Quality.Good, now));
            readings.Add(new(GatewayDeviceId, $"sink.{runner.Name}.dead_letters", deadLetters.GetValueOrDefault(runner.Name), null, "records", Quality.Good, now));
            if (runner.LastError is { } error)
                readings.Add(new(GatewayDeviceId, $"sink.{runner.Name}.last_error", double.NaN, error, "", Quality.Good, now));
        }
        var batch = new ReadingBatch(GatewayDeviceId, _config.Gateway.Id, now, readings);
        _ = await Outbox.AppendAsync(OutboxRecordKind.Readings, ReadingBatchCodec.Encode(batch), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The device id of the gateway's own health readings.</summary>
    public const string GatewayDeviceId = "gateway";

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        foreach (var sink in _sinks)
            await sink.DisposeAsync().ConfigureAwait(false);
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
