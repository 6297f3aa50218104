using FacilityGateway.Readings;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Sources;

/// <summary>
/// Runs every source of every kind (<see cref="SourceKinds.Factories"/>), each supervised: a source that stops on an
/// unexpected error (a bug, a driver that throws what nobody planned for) is logged, counted and started again after
/// a backoff, while the others go on; it never ends silently while the gateway runs.
/// <para>
/// A plan is applied, not started: applied again on a reload, a source whose line and devices are unchanged
/// (<see cref="SourceFingerprint"/>) runs on, with its connection, its cadence and its state; a changed one is stopped
/// before its new version starts (the port and the pins are free for it), a removed one is stopped.
/// </para>
/// </summary>
public sealed partial class SourceHost(ReadingChannel channel, TimeProvider time, ILogger<SourceHost> logger) : IDisposable
{
    private static readonly TimeSpan MaxRestartDelay = TimeSpan.FromSeconds(30);

    private sealed class Running(ISource source, ISourceFactory factory)
    {
        private string? _fingerprint;
        public ISource Source { get; } = source;
        public ISourceFactory Factory { get; } = factory;
        /// <summary>Computed when a reload compares (the first start has nothing to compare with, and stays quick).</summary>
        public string Fingerprint => _fingerprint ??= SourceFingerprint.Of(Source);
        public CancellationTokenSource Stopping { get; } = new();
        public Task Task { get; set; } = Task.CompletedTask;
    }

    private readonly SemaphoreSlim _applying = new(1, 1);
    private Running[] _running = [];
    private long _restarts;

    /// <summary>The running sources (for tests and the status view).</summary>
    public IReadOnlyList<ISource> Sources => [.. Volatile.Read(ref _running).Select(r => r.Source)];

    /// <summary>The source that can write <paramref name="deviceId"/>'s points (its Modbus line), once started; null when none.</summary>
    public Writes.IPointWriter? WriterOf(string deviceId) =>
        Volatile.Read(ref _running).Select(r => r.Source).OfType<Writes.IPointWriter>().FirstOrDefault(w => w.Has(deviceId));

    /// <summary>Where the sources come from: every kind's (tests give their own).</summary>
    internal IReadOnlyList<ISourceFactory> Factories { get; init; } = SourceKinds.Factories;

    /// <summary>Restarts after an unexpected error since the gateway started.</summary>
    public long Restarts => Interlocked.Read(ref _restarts);

    /// <summary>
    /// True while the host that started the sources stops only to be replaced by one on a reloaded configuration:
    /// its stop leaves the sources running, and the next host applies its plan to them.
    /// </summary>
    public bool KeepRunningAtStop { get; set; }

    /// <summary>
    /// Makes the running sources those of <paramref name="plan"/>, created with <paramref name="services"/> (the host
    /// that runs them now): unchanged ones run on, changed and removed ones stop, new and changed ones start.
    /// </summary>
    public async Task<SourceChanges> ApplyAsync(SourcePlan plan, IServiceProvider services, CancellationToken cancellationToken)
    {
        await _applying.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var running = Volatile.Read(ref _running);
            var kept = new HashSet<Running>();
            var next = new List<Running>();
            var fresh = new List<Running>();
            foreach (var factory in Factories)
            {
                foreach (var candidate in factory.Create(plan, services))
                {
                    var made = new Running(candidate, factory);
                    if (running.FirstOrDefault(r => r.Factory == factory && r.Source.Name == candidate.Name && !kept.Contains(r) && r.Fingerprint == made.Fingerprint) is { } same)
                    {
                        kept.Add(same);
                        next.Add(same);
                        await candidate.DisposeAsync().ConfigureAwait(false); // made, never run: nothing opened
                    }
                    else
                    {
                        next.Add(made);
                        fresh.Add(made);
                    }
                }
            }
            var stopped = running.Where(r => !kept.Contains(r)).ToList();
            await StopAsync(stopped).ConfigureAwait(false); // before their new versions open the same port or pins
            foreach (var group in next.GroupBy(r => r.Factory))
                group.Key.Observe([.. group.Select(r => r.Source)], services);
            foreach (var source in fresh)
                source.Task = SuperviseAsync(source);
            Volatile.Write(ref _running, [.. next]);
            return new SourceChanges(
                [.. kept.Select(r => r.Source.Name)],
                [.. fresh.Select(r => r.Source.Name)],
                [.. stopped.Select(r => r.Source.Name)]);
        }
        finally
        {
            _applying.Release();
        }
    }

    /// <summary>Stops every source (each stores its state, a pulse meter its total) and disposes it.</summary>
    public async Task StopAllAsync()
    {
        await _applying.WaitAsync().ConfigureAwait(false);
        try
        {
            var running = Volatile.Read(ref _running);
            Volatile.Write(ref _running, []);
            await StopAsync(running).ConfigureAwait(false);
        }
        finally
        {
            _applying.Release();
        }
    }

    /// <summary>Frees the host itself; the sources are stopped by <see cref="StopAllAsync"/> before.</summary>
    public void Dispose() => _applying.Dispose();

    private static async Task StopAsync(IReadOnlyList<Running> sources)
    {
        foreach (var source in sources)
            await source.Stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(sources.Select(s => s.Task)).ConfigureAwait(false);
        foreach (var source in sources)
        {
            await source.Source.DisposeAsync().ConfigureAwait(false);
            source.Stopping.Dispose();
        }
    }

    private async Task SuperviseAsync(Running running)
    {
        await Task.Yield(); // the caller goes on to start the others
        var source = running.Source;
        var stoppingToken = running.Stopping.Token;
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
                Interlocked.Increment(ref _restarts);
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

/// <summary>What applying a plan did, by source name: kept running, started (new or changed), stopped (changed or removed).</summary>
public sealed record SourceChanges(IReadOnlyList<string> Kept, IReadOnlyList<string> Started, IReadOnlyList<string> Stopped)
{
    /// <summary>Sources stopped and started again on a changed plan.</summary>
    public IReadOnlyList<string> Restarted => [.. Started.Intersect(Stopped, StringComparer.Ordinal)];

    /// <summary>As the log says it: <c>kept running [a, b]; restarted [c]; started [d]; stopped [e]</c>.</summary>
    public override string ToString() =>
        $"kept running [{string.Join(", ", Kept)}]; restarted [{string.Join(", ", Restarted)}]; started [{string.Join(", ", Started.Except(Restarted))}]; stopped [{string.Join(", ", Stopped.Except(Restarted))}]";
}
