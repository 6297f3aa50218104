using FacilityGateway.Outbox;
using FacilityGateway.Readings;
using FacilityGateway.Sinks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Delivery;

/// <summary>
/// Delivery: creates each enabled sink from its kind and runs one supervised <see cref="SinkRunner"/> per sink over the
/// outbox (its own cursors, backoff, dead letters), and reports each sink's health every 10 s as readings of the
/// gateway's own device. The outbox knows sinks only by their ids; the sinks know neither the outbox's bookkeeping nor
/// each other.
/// </summary>
public sealed class DeliveryService(DeliveryPlan plan, OutboxService outbox, TimeProvider time, ILoggerFactory loggers, IServiceProvider services) : BackgroundService
{
    private static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(10);
    private readonly List<SinkRunner> _runners = [];
    private readonly List<ISink> _sinks = [];

    /// <summary>The sink runners (after start), for status views and tests.</summary>
    public IReadOnlyList<SinkRunner> Runners => _runners;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await outbox.Opened.WaitAsync(cancellationToken).ConfigureAwait(false);
        var context = plan.Context;
        IReadOnlyDictionary<(string, string), PointInfo>? points = null;
        foreach (var options in plan.Sinks)
        {
            var sink = SinkKinds.All[options.Kind].Create(options, context, services);
            _sinks.Add(sink);
            var changes = sink.Heartbeat is { } heartbeat ? new ReportByExceptionFilter(points ??= PointsOf(context.Devices), heartbeat) : null;
            _runners.Add(new SinkRunner(sink, outbox.Outbox, outbox.Committed, time, options.MaxBackoff, loggers.CreateLogger($"FacilityGateway.Sinks.{options.Kind}"), changes));
        }
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The devices' points by (device, point): their deadbands, for report by exception.</summary>
    private static IReadOnlyDictionary<(string, string), PointInfo> PointsOf(IEnumerable<Configuration.DeviceOptions> devices) => devices
        .SelectMany(d => d.DescribePoints().Select(p => (Key: (d.Id, p.Id), Point: p)))
        .DistinctBy(x => x.Key)
        .ToDictionary(x => x.Key, x => x.Point);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var running = _runners.Select(r => r.RunAsync(stoppingToken)).ToList();
        try
        {
            while (!stoppingToken.IsCancellationRequested && _runners.Count > 0)
            {
                await Task.Delay(ReportEvery, time, stoppingToken).ConfigureAwait(false);
                try
                {
                    await ReportHealthAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OutboxFullException or Microsoft.Data.Sqlite.SqliteException && !stoppingToken.IsCancellationRequested)
                {
                    // The disk refuses writes: the outbox says so; the sinks' health waits for room like any reading.
                }
            }
            await Task.WhenAll(running).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Each sink's lag, state, restarts, dead letters and last error, as readings of the gateway's own device.</summary>
    private async Task ReportHealthAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var store = outbox.Outbox;
        var deadLetters = await store.DeadLetterCountsAsync(cancellationToken).ConfigureAwait(false);
        var readings = new List<Reading>();
        string device = GatewayDevice.Id;
        foreach (var runner in _runners)
        {
            readings.Add(new(device, $"sink.{runner.Name}.lag", store.LastId - runner.Cursor, null, "records", Quality.Good, now));
            readings.Add(new(device, $"sink.{runner.Name}.online", runner.Failing ? 0 : 1, null, "", Quality.Good, now));
            readings.Add(new(device, $"sink.{runner.Name}.restarts", runner.Restarts, null, "", Quality.Good, now));
            readings.Add(new(device, $"sink.{runner.Name}.dead_letters", deadLetters.GetValueOrDefault(runner.Name), null, "records", Quality.Good, now));
            if (runner.LastError is { } error)
                readings.Add(new(device, $"sink.{runner.Name}.last_error", double.NaN, error, "", Quality.Good, now));
        }
        var batch = new ReadingBatch(device, plan.Context.GatewayId, now, readings);
        _ = await store.AppendAsync(batch, cancellationToken, mayWait: true).ConfigureAwait(false); // telemetry: it waits for the group
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        foreach (var sink in _sinks)
            await sink.DisposeAsync().ConfigureAwait(false);
    }
}
