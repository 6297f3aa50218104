using System.Text.Json;
using FacilityGateway.Configuration.Yaml;
using FacilityGateway.Tickets;

namespace FacilityGateway.Tickets;

/// <summary>A notification held for the digest.</summary>
public sealed record DigestItem(string Event, string Key, string Ticket, AlarmPriority Priority, string Asset, string Message, TicketState State, DateTimeOffset At);

/// <summary>The held notifications (outbox state, kind <c>flood</c>), committed with the events they hold.</summary>
public sealed record DigestState
{
    public long Sequence { get; init; }
    public DateTimeOffset? FirstHeldAt { get; init; }
    public IReadOnlyList<DigestItem> Held { get; init; } = [];
}

/// <summary>
/// One message for many notifications during a flood: <c>{"event":"digest","key":"D-site-3","items":[...]}</c>; its key
/// is the idempotency key.
/// </summary>
public sealed record TicketDigest(string Event, string Key, string Site, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<DigestItem> Items)
{
    public byte[] Encode() => JsonSerializer.SerializeToUtf8Bytes(this, TicketEvent.Json.GetTypeInfo<TicketDigest>());

    public static TicketDigest Decode(ReadOnlySpan<byte> payload) => JsonSerializer.Deserialize(payload, TicketEvent.Json.GetTypeInfo<TicketDigest>())!;
}

/// <summary>
/// Flood handling for a site: more than <see cref="FloodOptions.MaxNotifications"/> notifications raised by the gateway
/// within the window is a flood. During a flood every P2-P4 notification is held (it still goes to MQTT, marked
/// <c>held</c>, but the webhook does not page with it) and the held ones go out together as a digest every
/// <see cref="FloodOptions.DigestEvery"/> and when the flood ends. P1 is always paged on its own.
/// </summary>
public sealed class NotificationFlood(FloodOptions options, string site, TimeProvider time)
{
    /// <summary>Events raised by the gateway count towards a flood; technicians' own actions do not.</summary>

    private readonly Queue<long> _recent = new(); // monotonic
    private DigestState _state = new();
    private long _firstHeld; // monotonic, valid while something is held

    /// <summary>True while the count within the window is above the limit.</summary>
    public bool Flooding
    {
        get
        {
            Expire(time.GetTimestamp());
            return _recent.Count > options.MaxNotifications;
        }
    }

    public void Restore(DigestState state)
    {
        _state = state;
        var age = state.FirstHeldAt is { } first ? time.GetUtcNow() - first : TimeSpan.Zero;
        _firstHeld = time.GetTimestamp() - (long)(Math.Max(0, age.TotalSeconds) * time.TimestampFrequency);
    }

    /// <summary>
    /// Which of these events to hold; the returned state (<paramref name="basis"/> when nothing is held) is committed with
    /// them and applied by <see cref="Apply"/>. <paramref name="basis"/> is the state after a digest taken in the same
    /// commit, if any. Counting happens here, so a commit that fails and is retried counts its events twice (harmless: it
    /// only makes a flood a little more likely).
    /// </summary>
    public (bool[] Held, DigestState? Next) Plan(IReadOnlyList<(Ticket Ticket, string Event)> events, DigestState? basis)
    {
        var held = new bool[events.Count];
        long now = time.GetTimestamp();
        List<DigestItem>? items = null;
        for (int i = 0; i < events.Count; i++)
        {
            var (ticket, name) = events[i];
            if (TicketEvent.Raised.Contains(name))
                _recent.Enqueue(now);
            Expire(now);
            if (ticket.Priority == AlarmPriority.P1 || _recent.Count <= options.MaxNotifications)
                continue;
            held[i] = true;
            items ??= [.. (basis ?? _state).Held];
            items.Add(new DigestItem(name, $"{ticket.Id}#{ticket.Revision}", ticket.Id, ticket.Priority, ticket.Asset.Name, ticket.Message, ticket.State, time.GetUtcNow()));
        }
        if (items is null)
            return (held, basis);
        var start = basis ?? _state;
        return (held, start with { Held = items, FirstHeldAt = start.FirstHeldAt ?? time.GetUtcNow() });
    }

    /// <summary>The digest to send now, if one is due, and the state after it.</summary>
    public (TicketDigest Digest, DigestState Next)? TakeDigest()
    {
        if (_state.Held.Count == 0 || (Flooding && time.GetElapsedTime(_firstHeld) < options.DigestEvery))
            return null;
        long sequence = _state.Sequence + 1;
        var digest = new TicketDigest("digest", $"D-{site}-{sequence}", site, _state.FirstHeldAt ?? time.GetUtcNow(), time.GetUtcNow(), _state.Held);
        return (digest, new DigestState { Sequence = sequence });
    }

    public void Apply(DigestState next)
    {
        if (next.FirstHeldAt != _state.FirstHeldAt)
            _firstHeld = time.GetTimestamp();
        _state = next;
    }

    private void Expire(long now)
    {
        while (_recent.Count > 0 && time.GetElapsedTime(_recent.Peek(), now) > options.Window)
            _recent.Dequeue();
    }
}
