using FacilityGateway.Readings;
using FacilityGateway.Tickets;

namespace FacilityGateway.Sinks;

/// <summary>What a sink takes; Delivery hands it only these, decoded, and skips the rest without decoding them.</summary>
[Flags]
public enum SinkTakes
{
    /// <summary>Reading batches.</summary>
    Telemetry = 1,
    /// <summary>Ticket changes (opened, escalated, acknowledged...).</summary>
    TicketChanges = 2,
    /// <summary>Digests of a notification flood.</summary>
    Digests = 4,
    /// <summary>Everything.</summary>
    All = Telemetry | TicketChanges | Digests,
}

/// <summary>
/// One outbox record as a sink gets it, decoded by Delivery. <see cref="Key"/> (outbox epoch and id) is the same on
/// every redelivery, so consumers drop duplicates by it; <see cref="Id"/> is what a sink reports progress and dead
/// letters by.
/// </summary>
public abstract record SinkRecord(long Id, string Key);

/// <summary>One poll of one device; <see cref="Readings"/> are those report by exception chose (all of them when the sink does not use it).</summary>
public sealed record TelemetryRecord(long Id, string Key, ReadingBatch Batch, IReadOnlyList<Reading> Readings) : SinkRecord(Id, Key);

/// <summary>A ticket change, with its stored JSON (docs/ON-CALL.md) for sinks that pass it on as it is.</summary>
public sealed record TicketChangeRecord(long Id, string Key, TicketEvent Change, byte[] Json) : SinkRecord(Id, Key);

/// <summary>A flood digest, with its stored JSON.</summary>
public sealed record DigestRecord(long Id, string Key, TicketDigest Digest, byte[] Json) : SinkRecord(Id, Key);
