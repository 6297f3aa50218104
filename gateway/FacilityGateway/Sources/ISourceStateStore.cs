namespace FacilityGateway.Sources;

/// <summary>
/// Durable state a source keeps across restarts (a pulse meter's total), by kind and key, as JSON. The composition root
/// gives the outbox's state store (<c>Hosting/OutboxStateStore</c>): sources know nothing downstream.
/// </summary>
public interface ISourceStateStore
{
    /// <summary>All rows of <paramref name="kind"/>, once the store is open.</summary>
    Task<IReadOnlyList<(string Key, string Json)>> LoadAsync(string kind, CancellationToken cancellationToken);

    /// <summary>Writes the rows in one synced transaction.</summary>
    Task SaveAsync(IReadOnlyList<(string Kind, string Key, string Json)> rows, CancellationToken cancellationToken);
}
