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
public sealed class UndeliverableRecordException(OutboxRecord record, string reason, Exception? inner = null) : Exception(reason, inner)
{
    /// <summary>The record.</summary>
    public OutboxRecord Record { get; } = record;

    /// <summary>Decodes a record's payload; what cannot be decoded becomes an <see cref="UndeliverableRecordException"/>.</summary>
    public static T Decode<T>(OutboxRecord record, Func<byte[], T> decode)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(decode);
        try
        {
            return decode(record.Payload) ?? throw new UndeliverableRecordException(record, $"record {record.Id} ({record.Kind}) decodes to nothing");
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or FormatException or InvalidOperationException or NotSupportedException or ArgumentException or KeyNotFoundException or InvalidCastException)
        {
            throw new UndeliverableRecordException(record, $"record {record.Id} ({record.Kind}) cannot be decoded: {ex.Message}", ex);
        }
    }
}
