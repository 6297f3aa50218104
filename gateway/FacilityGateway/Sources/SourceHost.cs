using FacilityGateway.Configuration;
using FacilityGateway.Readings;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Sources;

/// <summary>
/// Runs every source of every kind (<see cref="SourceKinds.Factories"/>), each supervised: a source that stops on an
/// unexpected error (a bug, a driver that throws what nobody planned for) is logged, counted and started again after
/// a backoff, while the others go on; it never ends silently while the gateway runs.
/// </summary>
public sealed partial class SourceHost(SourcePlan plan, ReadingChannel channel, IServiceProvider services, TimeProvider time, ILogger<SourceHost> logger) : BackgroundService
{
    private static readonly TimeSpan MaxRestartDelay = TimeSpan.FromSeconds(30);
    private readonly List<ISource> _sources = [];
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The sources, once created (for tests and the status view).</summary>
    public IReadOnlyList<ISource> Sources => _sources;

    /// <summary>The source that can write <paramref name="deviceId"/>'s points (its Modbus line), once started; null when none.</summary>
    public Writes.IPointWriter? WriterOf(string deviceId) =>
        _started.Task.IsCompleted ? _sources.OfType<Writes.IPointWriter>().FirstOrDefault(w => w.Has(deviceId)) : null;

    /// <summary>Completes once every source was created and started.</summary>
    public Task Started => _started.Task;

    /// <summary>Where the sources come from: every kind's (tests give their own).</summary>
    internal IReadOnlyList<ISourceFactory> Factories { get; init; } = SourceKinds.Factories;

    /// <summary>Restarts after an unexpected error since the gateway started.</summary>
    public long Restarts { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var factory in Factories)
            _sources.AddRange(factory.Create(plan, services));
        _started.TrySetResult();
        try
        {
            await Task.WhenAll(_sources.Select(s => SuperviseAsync(s, stoppingToken))).ConfigureAwait(false);
        }
        finally
        {
            foreach (var source in _sources)
                await source.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task SuperviseAsync(ISource source, CancellationToken stoppingToken)
    {
        int crashes = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await source.RunAsync(channel.Writer, stoppingToken).ConfigureAwait(false);
                return;
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                crashes++;
                Restarts++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(MaxRestartDelay.TotalMilliseconds, 500 * Math.Pow(2, Math.Min(crashes - 1, 16))));
                LogCrashed(ex, source.Name, crashes, delay.TotalSeconds);
                try
                {
                    await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Source {Source} stopped on an unexpected error (restart {Restarts}); it starts again in {Delay:F1} s")]
    private partial void LogCrashed(Exception error, string source, int restarts, double delay);
}
