using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Sources;

/// <summary>
/// The host's hold on the <see cref="SourceHost"/>: its start applies the host's plan (the first start starts every
/// source; a reload's keeps those whose plan is unchanged), its stop stops the sources unless the host is only being
/// replaced (<see cref="SourceHost.KeepRunningAtStop"/>). Registered last, so it stops first: pulse totals are stored
/// while the outbox is open.
/// </summary>
public sealed partial class SourceHostService(SourceHost sources, SourcePlan plan, IServiceProvider services, ILogger<SourceHostService> logger) : IHostedService
{
    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var changes = await sources.ApplyAsync(plan, services, cancellationToken).ConfigureAwait(false);
        if (changes.Kept.Count == 0 && changes.Stopped.Count == 0) // the first start: every source started
            return;
        LogApplied(changes);
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => sources.KeepRunningAtStop ? Task.CompletedTask : sources.StopAllAsync();

    [LoggerMessage(Level = LogLevel.Information, Message = "Sources on the reloaded configuration: {Changes}")]
    private partial void LogApplied(SourceChanges changes);
}
