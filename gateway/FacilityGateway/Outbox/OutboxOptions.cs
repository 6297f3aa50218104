using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Outbox;

/// <summary>What the outbox must survive.</summary>
public enum OutboxDurability
{
    /// <summary>A crash or kill of the process loses nothing that was accepted (SQLite WAL, synchronous=NORMAL).</summary>
    ProcessCrash,
    /// <summary>A power loss loses nothing that was accepted (synchronous=FULL: an fsync per commit; slower on SD cards).</summary>
    PowerLoss,
}

/// <summary>The durable outbox: the one place anything leaves the gateway from.</summary>
public sealed class OutboxOptions : ConfigNode
{
    /// <summary>SQLite file; relative paths are under the gateway's data_directory.</summary>
    public string Path { get; init; } = "outbox.db";

    /// <summary>The outbox file: <see cref="Path"/> itself when absolute, else under <paramref name="dataDirectory"/>.</summary>
    public string FullPath(string dataDirectory) => System.IO.Path.GetFullPath(System.IO.Path.Combine(dataDirectory, Path));

    /// <summary>What an accepted record survives.</summary>
    public OutboxDurability Durability { get; init; } = OutboxDurability.ProcessCrash;

    /// <summary>
    /// Telemetry is committed in groups at most this often (the first reading of a group waits at most this long), so
    /// the SD card is written a few pages a second instead of a few pages a poll; <c>0s</c> commits as soon as the
    /// queue is empty. Ticket events, actions and state changes are never held: they commit at once, with whatever
    /// telemetry is waiting. A process killed meanwhile loses the telemetry of the group, as it loses the readings
    /// still in its pipeline.
    /// </summary>
    public TimeSpan CommitEvery { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Most telemetry records kept; beyond it the oldest readings are dropped (counted and logged). Ticket events,
    /// actions and digests are never dropped for any bound: they stay until every sink, a disabled one included, has
    /// taken them.
    /// </summary>
    [Range(1000, 1_000_000_000)]
    public long MaxRecords { get; init; } = 5_000_000;

    /// <summary>Oldest telemetry kept; older readings are dropped (counted and logged) even if a sink never took them.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Most bytes of telemetry kept (record payloads); beyond it the oldest readings are dropped (counted and logged).</summary>
    [Range(1, 1_000_000)]
    public long MaxMegabytes { get; init; } = 1024;

    /// <summary>
    /// Free space the outbox leaves on its disk: below it the oldest readings are dropped, so the card never fills up
    /// (SQLite needs room in its WAL even to delete; 0 turns the floor off). 64 MB by default: a few minutes of a large
    /// site's telemetry, and small beside any SD card.
    /// </summary>
    [Range(0, 1_000_000)]
    public long MinFreeDiskMegabytes { get; init; } = 64;
}
