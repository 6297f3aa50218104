namespace FacilityGateway.Outbox;

/// <summary>What a record holds.</summary>
public enum OutboxRecordKind : byte
{
    /// <summary>A <see cref="Readings.ReadingBatch"/>: one poll of one device.</summary>
    Readings = 1,
    /// <summary>An alarm state change (alarms issue).</summary>
    AlarmEvent = 2,
    /// <summary>A ticket change (alarms issue).</summary>
    TicketEvent = 3,
    /// <summary>A digest of ticket events held during a notification flood.</summary>
    TicketDigest = 4,
}

/// <summary>
/// One record of the outbox. <see cref="Key"/> (outbox epoch and id) is stable across restarts and redeliveries, so
/// consumers drop duplicates by it; ids only grow within an epoch.
/// </summary>
public sealed record OutboxRecord(long Id, OutboxRecordKind Kind, DateTimeOffset CreatedAt, byte[] Payload, string Epoch)
{
    /// <summary>The record's stable identity: <c>epoch-id</c>.</summary>
    public string Key => $"{Epoch}-{Id}";
}

/// <summary>Counters of what the outbox could not keep.</summary>
public sealed record OutboxCounters(long Appended, long DroppedForSize, long DroppedForAge, long RejectedStorageFull, long Pending);
