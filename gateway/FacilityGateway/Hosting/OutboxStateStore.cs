using FacilityGateway.Outbox;
using FacilityGateway.Sources;

namespace FacilityGateway.Hosting;

/// <summary>The sources' state store is the outbox file's state table: one file to back up, one transaction log.</summary>
internal sealed class OutboxStateStore(OutboxService outbox) : ISourceStateStore
{
    public async Task<IReadOnlyList<(string Key, string Json)>> LoadAsync(string kind, CancellationToken cancellationToken)
    {
        await outbox.Opened.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await outbox.Outbox.LoadStateAsync(kind, cancellationToken).ConfigureAwait(false);
    }

    public async Task SaveAsync(IReadOnlyList<(string Kind, string Key, string Json)> rows, CancellationToken cancellationToken)
    {
        await outbox.Opened.WaitAsync(cancellationToken).ConfigureAwait(false);
        _ = await outbox.Outbox.TransactAsync(rows, [], cancellationToken).ConfigureAwait(false);
    }
}
