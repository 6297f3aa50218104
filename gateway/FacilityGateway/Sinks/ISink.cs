using FacilityGateway.Outbox;

namespace FacilityGateway.Sinks;

/// <summary>
/// A destination: knows its wire format and its peer, nothing upstream. <see cref="DeliverAsync"/> returns once the
/// peer has acknowledged every record (or the sink has decided to drop one as bad data, counted); it throws
/// <see cref="SinkUnavailableException"/> when the peer cannot take them now, and the same records come again later.
/// </summary>
public interface ISink : IAsyncDisposable
{
    /// <summary>The sink's id (its cursor's name).</summary>
    string Name { get; }

    /// <summary>Most records per delivery.</summary>
    int BatchSize { get; }

    /// <summary>Delivers records in order; at least once.</summary>
    Task DeliverAsync(IReadOnlyList<OutboxRecord> records, CancellationToken cancellationToken);
}

/// <summary>The peer cannot take records now (down, unreachable, overloaded); try again after <see cref="RetryAfter"/> or a backoff.</summary>
public sealed class SinkUnavailableException(string message, Exception? inner = null, TimeSpan? retryAfter = null) : Exception(message, inner)
{
    /// <summary>How long the peer asked us to wait, if it said.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
