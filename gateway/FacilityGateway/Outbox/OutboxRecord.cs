namespace FacilityGateway.Outbox;

/// <summary>What a record holds.</summary>
public enum OutboxRecordKind : byte
{
    /// <summary>A <see cref="Readings.ReadingBatch"/>: one poll of one device.</summary>
    Readings = 1,
    /// <summary>An alarm state change (alarms issue).</summary>
    AlarmEvent = 2,
    /// <summary>A ticket change (alarms issue).</summary>
    TicketChange = 3,
    /// <summary>A digest of ticket events held during a notification flood.</summary>
    FloodDigest = 4,
}

/// <summary>
/// One record of the outbox. <see cref="Key"/> (outbox epoch and id) is stable across restarts and redeliveries, so
/// consumers drop duplicates by it; ids only grow within an epoch.
/// </summary>
public sealed record OutboxRecord(long Id, OutboxRecordKind Kind, DateTimeOffset CreatedAt, byte[] Payload, string Epoch)
{
    /// <summary>The lane a record of <paramref name="kind"/> travels in.</summary>
    public static OutboxLane LaneOf(OutboxRecordKind kind) => kind == OutboxRecordKind.Readings ? OutboxLane.Telemetry : OutboxLane.Events;

    /// <summary>The point lists its file's reading records name (<see cref="ReadingBatchCodec.Decode(byte[], ReadingLayouts?)"/>).</summary>
    public ReadingLayouts? Layouts { get; init; }

    /// <summary>The record's stable identity: <c>epoch-id</c>.</summary>
    public string Key => $"{Epoch}-{Id}";
}

/// <summary>
/// The two lanes of the outbox. Ticket events, actions and digests are never dropped for size or age and every sink
/// delivers them ahead of a telemetry backlog; telemetry is bounded by count, bytes, age and the disk's free space.
/// </summary>
public enum OutboxLane
{
    /// <summary>Readings: bounded, the oldest dropped (counted) when a bound is reached.</summary>
    Telemetry = 0,
    /// <summary>Alarm and ticket events and digests: kept until every sink has taken them.</summary>
    Events = 1,
}

/// <summary>Counters of what the outbox holds, could not keep, and how much room is left.</summary>
public sealed record OutboxCounters(long Appended, long DroppedForSize, long DroppedForAge, long RejectedStorageFull, long Pending,
    long PendingEvents = 0, long Bytes = 0, long? FreeDiskBytes = null);
