using FacilityGateway.Outbox;
using FacilityGateway.Readings;
using FacilityGateway.Sources;
using FacilityGateway.Sources.Simulated;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Hosting;

/// <summary>
/// What outlives a reload in the <see cref="ReloadingRunner"/>: the running sources, the reading channel they write
/// to, the clock's status, the simulated drivers, and a state store that follows the outbox of whichever host runs.
/// Every host the runner builds gets these same instances, so a line whose plan is unchanged keeps polling (its
/// connection and its cadence) while the pipeline after the channel restarts; its readings wait in the channel.
/// </summary>
internal sealed class SourcesAcrossReloads
{
    private readonly ReadingChannel _channel = new();
    private readonly ClockStatus _clock = new();
    private readonly SimulatedGpio _gpio = new();
    private readonly SimulatedI2c _i2c = new();
    private readonly SimulatedOneWire _oneWire = new();
    private readonly FollowingStateStore _state = new();

    public SourcesAcrossReloads(ILoggerFactory loggers) => Sources = new(_channel, TimeProvider.System, loggers.CreateLogger<SourceHost>());

    /// <summary>The sources, run across hosts.</summary>
    public SourceHost Sources { get; }

    /// <summary>Gives a host the shared instances (registered after its own, so they win).</summary>
    public void Register(IServiceCollection services)
    {
        services.AddSingleton(_channel);
        services.AddSingleton(_clock);
        services.AddSingleton(_gpio);
        services.AddSingleton(_i2c);
        services.AddSingleton(_oneWire);
        services.AddSingleton<ISourceStateStore>(_state);
        services.AddSingleton(Sources);
    }

    /// <summary>Points the sources' state store at <paramref name="host"/>'s outbox, before it starts.</summary>
    public void Attach(IHost host) => _state.Follow(new OutboxStateStore(host.Services.GetRequiredService<OutboxService>()));

    /// <summary>The host stopped (its outbox closed): state waits for the next one.</summary>
    public void Detach() => _state.Follow(null);

    /// <summary>No host will run again: state stored from now fails at once, and says why.</summary>
    public void Close() => _state.Follow(new ClosedStateStore());

    private sealed class ClosedStateStore : ISourceStateStore
    {
        public Task<IReadOnlyList<(string Key, string Json)>> LoadAsync(string kind, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the gateway is stopping and its outbox is closed");

        public Task SaveAsync(IReadOnlyList<(string Kind, string Key, string Json)> rows, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the gateway is stopping and its outbox is closed");
    }

    /// <summary>A state store that waits for the current host's, and follows it from host to host.</summary>
    private sealed class FollowingStateStore : ISourceStateStore
    {
        private readonly Lock _lock = new();
        private TaskCompletionSource<ISourceStateStore> _current = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Follow(ISourceStateStore? store)
        {
            lock (_lock)
            {
                if (_current.Task.IsCompleted)
                    _current = new(TaskCreationOptions.RunContinuationsAsynchronously); // those waiting now wait for the next
                if (store is not null)
                    _current.SetResult(store);
            }
        }

        private Task<ISourceStateStore> Current
        {
            get
            {
                lock (_lock)
                    return _current.Task;
            }
        }

        public async Task<IReadOnlyList<(string Key, string Json)>> LoadAsync(string kind, CancellationToken cancellationToken) =>
            await (await Current.WaitAsync(cancellationToken).ConfigureAwait(false)).LoadAsync(kind, cancellationToken).ConfigureAwait(false);

        public async Task SaveAsync(IReadOnlyList<(string Kind, string Key, string Json)> rows, CancellationToken cancellationToken) =>
            await (await Current.WaitAsync(cancellationToken).ConfigureAwait(false)).SaveAsync(rows, cancellationToken).ConfigureAwait(false);
    }
}
