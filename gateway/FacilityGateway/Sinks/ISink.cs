namespace FacilityGateway.Sinks;

/// <summary>
/// A destination: knows its wire format and its peer, nothing upstream. Delivery (<c>Delivery/SinkRunner</c>) hands it
/// decoded records of the kinds it <see cref="Takes"/>, in order; <see cref="DeliverAsync"/> returns once the peer has
/// acknowledged every record (or the sink has decided to drop one as bad data, counted); it throws
/// <see cref="SinkUnavailableException"/> when the peer cannot take them now, and the same records come again later.
/// </summary>
public interface ISink : IAsyncDisposable
{
    /// <summary>The sink's id (its cursor's name).</summary>
    string Name { get; }

    /// <summary>Most records per delivery.</summary>
    int BatchSize { get; }

    /// <summary>The records this sink sends.</summary>
    SinkTakes Takes { get; }

    /// <summary>
    /// Report by exception: a point unchanged within its deadband is sent again after this long, and not before; null
    /// for every reading of every poll. Delivery chooses (<c>Delivery/ReportByExceptionFilter</c>).
    /// </summary>
    TimeSpan? Heartbeat { get; }

    /// <summary>Delivers records in order; at least once.</summary>
    Task DeliverAsync(IReadOnlyList<SinkRecord> records, CancellationToken cancellationToken);
}

/// <summary>
/// The peer cannot take records now (down, unreachable, overloaded); try again after <see cref="RetryAfter"/> or a
/// backoff. A sink that sends record by record says with <see cref="DeliveredThrough"/> how far the peer took them, so
/// the retry starts after those (a phone is not paged again for what it already had).
/// </summary>
public sealed class SinkUnavailableException(string message, Exception? inner = null, TimeSpan? retryAfter = null, long? deliveredThrough = null) : Exception(message, inner)
{
    /// <summary>How long the peer asked us to wait, if it said.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>The id of the last record of the batch the peer acknowledged before the failure, if any.</summary>
    public long? DeliveredThrough { get; } = deliveredThrough;
}

/// <summary>
/// One record this sink can never send, however often it tries (its payload cannot be decoded, after a downgrade or
/// through a bug): the runner sets it aside as a dead letter, with <see cref="Exception.Message"/> as the reason, and
/// goes on with the records after it.
/// </summary>
public sealed class UndeliverableRecordException(long recordId, string reason, Exception? inner = null) : Exception(reason, inner)
{
    /// <summary>The id of the record.</summary>
    public long RecordId { get; } = recordId;
}
