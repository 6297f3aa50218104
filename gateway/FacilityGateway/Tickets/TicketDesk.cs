using FacilityGateway.Configuration;

namespace FacilityGateway.Tickets;

/// <summary>What a ticket is opened for: the rule (an alarm, a maintenance task) and the value that raised it.</summary>
public sealed record TicketCause(string RuleId, string DeviceId, string PointId, string AssetId, AlarmPriority Priority, string Message, double? Value, double? Limit, string Unit);

/// <summary>
/// The ticket desk: the lifecycle of the manual's flow (opened, recurred, escalated along the rota, reminded, re-alarmed,
/// overdue, resolved, closed after the follow-up), each step a new revision with its audit entry. It decides what a
/// ticket becomes; the alarm engine (the coordinator) decides when, and commits the alarm states and tickets of one
/// evaluation in one transaction. Escalation counts on monotonic time (<see cref="MonotonicMarks"/>): a wall-clock
/// step changes nothing; respond-by and resolve-by are business deadlines on the wall clock.
/// </summary>
public sealed class TicketDesk(string site, IReadOnlyList<AssetOptions> assets, OnCallOptions onCall, TimeZoneInfo zone, MonotonicMarks marks)
{
    /// <summary>A ticket resolved less than this long ago is reopened when its alarm recurs, rather than a new one opened.</summary>
    public static readonly TimeSpan ReopenWindow = TimeSpan.FromHours(1);

    private readonly Dictionary<string, AssetOptions> _assets = assets.DistinctBy(a => a.Id).ToDictionary(a => a.Id, StringComparer.Ordinal);
    private readonly OnCallRota _rota = new(onCall, zone);
    private readonly TimeSpan _followUp = onCall.FollowUp;
    private readonly BusinessCalendar _calendar = BusinessCalendar.Of(onCall.Calendar);

    /// <summary>The last ticket number used (stored, so ids never repeat across restarts).</summary>
    public long Sequence { get; set; }

    /// <summary>A new ticket, paged to the primary on call.</summary>
    public Ticket Open(TicketCause cause, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(cause);
        var asset = _assets.GetValueOrDefault(cause.AssetId);
        string id = $"T-{now:yyyyMMdd-HHmmss}-{++Sequence:D4}";
        marks.Mark($"paged:{id}", now);
        return new Ticket
        {
            Id = id,
            Site = site,
            Asset = new TicketAsset(cause.AssetId, asset?.Name ?? cause.AssetId, asset?.Model, asset?.Location.ToString(), asset?.Installed, asset?.Team, asset?.Contact),
            RuleId = cause.RuleId,
            DeviceId = cause.DeviceId,
            PointId = cause.PointId,
            Priority = cause.Priority,
            Message = cause.Message,
            Value = cause.Value,
            Limit = cause.Limit,
            Unit = cause.Unit,
            FirstAt = now,
            LastAt = now,
            RespondBy = ResponseTargets.DueBy(cause.Priority, now, zone, _calendar),
            ResolveBy = now + onCall.ResolveWithin(cause.Priority),
            AssignedTo = _rota.Who(0, now),
            PagedAt = now,
            Audit = [new TicketAuditEntry(now, "opened", "gateway", null)],
        };
    }

    /// <summary>True when a recurrence of <paramref name="previous"/>'s alarm goes on it: not closed, and not resolved longer than <see cref="ReopenWindow"/> ago.</summary>
    public bool TakesRecurrence(Ticket previous) =>
        previous.State != TicketState.Closed && (previous.State != TicketState.Resolved || marks.Since($"resolved:{previous.Id}") < ReopenWindow);

    /// <summary>The alarm came back: one more occurrence (a resolved ticket is reopened and paged again from the start).</summary>
    public Ticket Recur(Ticket previous, double? value, DateTimeOffset now) =>
        (previous.State == TicketState.Resolved ? Repage(previous, now) : previous) with
        {
            Occurrences = previous.Occurrences + 1,
            LastAt = now,
            Value = value,
            ConditionActive = true,
            Revision = previous.Revision + 1,
            Audit = [.. previous.Audit, new TicketAuditEntry(now, "recurred", "gateway", null)],
        };

    /// <summary>A ticket paged again from the start (reopened, re-alarmed): open, primary first, escalation counted from now.</summary>
    public Ticket Repage(Ticket ticket, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        marks.Mark($"paged:{ticket.Id}", now);
        return ticket with { State = TicketState.Open, EscalationLevel = 0, Reminders = 0, PagedAt = now, AssignedTo = _rota.Who(0, now) ?? ticket.AssignedTo };
    }

    /// <summary>Still active after its acknowledgement for the rule's re-alarm time: paged again from the start.</summary>
    public Ticket Realarm(Ticket acknowledged, string why, DateTimeOffset now) => Repage(acknowledged, now) with
    {
        Revision = acknowledged.Revision + 1,
        Audit = [.. acknowledged.Audit, new TicketAuditEntry(now, "realarm", "gateway", why)],
    };

    /// <summary>The alarm condition went away (the ticket stays until someone resolves it).</summary>
    public static Ticket Cleared(Ticket ticket, DateTimeOffset now) =>
        ticket with { ConditionActive = false, LastAt = now, Revision = ticket.Revision + 1, Audit = [.. ticket.Audit, new TicketAuditEntry(now, "cleared", "gateway", null)] };

    /// <summary>
    /// An open ticket nobody acknowledged: escalated to the next on the rota once its priority's time has passed, or,
    /// escalated as far as it goes, reminded; null when nothing is due.
    /// </summary>
    public (Ticket Ticket, string Event)? Escalation(Ticket ticket, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        int next = ticket.EscalationLevel + 1;
        if (_rota.EscalateAfter(ticket.Priority, next) is not { } after)
            return Reminder(ticket, now) is { } reminded ? (reminded, "reminder") : null;
        if (marks.Since($"paged:{ticket.Id}") < after)
            return null; // not due yet
        string? who = _rota.Who(next, now);
        return (ticket with
        {
            EscalationLevel = next,
            AssignedTo = who ?? ticket.AssignedTo,
            Revision = ticket.Revision + 1,
            Audit = [.. ticket.Audit, new TicketAuditEntry(now, "escalated", "gateway", $"not acknowledged after {after.TotalMinutes:0} min; paging {who ?? "nobody (no one on the rota)"}")],
        }, "escalated");
    }

    /// <summary>
    /// An unacknowledged ticket that has escalated as far as its priority goes is paged again to whoever it is assigned
    /// to, every <see cref="OnCallRota.RepeatEvery"/> after its last escalation (P1 every 10 min by default), until
    /// someone acknowledges it. Counted from the round's <c>paged_at</c> on monotonic time, so a restart neither repeats
    /// nor skips one.
    /// </summary>
    private Ticket? Reminder(Ticket ticket, DateTimeOffset now)
    {
        if (_rota.RepeatEvery(ticket.Priority) is not { } every || every <= TimeSpan.Zero)
            return null;
        var lastEscalation = ticket.EscalationLevel == 0 ? TimeSpan.Zero : _rota.EscalateAfter(ticket.Priority, ticket.EscalationLevel) ?? TimeSpan.Zero;
        var since = marks.Since($"paged:{ticket.Id}");
        if (since < lastEscalation + every * (ticket.Reminders + 1))
            return null;
        return ticket with
        {
            Reminders = (int)((since - lastEscalation) / every), // one page for slots missed while the gateway was down
            Revision = ticket.Revision + 1,
            Audit = WithReminder(ticket.Audit, new TicketAuditEntry(now, "reminder", "gateway", $"not acknowledged after {since.TotalMinutes:0} min; paging {ticket.AssignedTo ?? "nobody (no one on the rota)"} again")),
        };
    }

    /// <summary>
    /// The audit trail with a reminder: reminders in a row are one entry, the latest (a P1 nobody acknowledges for a
    /// week would otherwise add a thousand entries, each stored and sent with the whole ticket).
    /// </summary>
    private static IReadOnlyList<TicketAuditEntry> WithReminder(IReadOnlyList<TicketAuditEntry> audit, TicketAuditEntry reminder)
    {
        if (audit.Count > 0 && audit[^1].Action == "reminder")
        {
            int count = audit[^1].Note is { } note && note.StartsWith("reminder ", StringComparison.Ordinal) && int.TryParse(note.AsSpan(9, note.IndexOf(':', StringComparison.Ordinal) - 9), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) ? n : 1;
            return [.. audit.Take(audit.Count - 1), reminder with { Note = $"reminder {count + 1}: {reminder.Note}" }];
        }
        return [.. audit, reminder];
    }

    /// <summary>Past its resolve-by unresolved: overdue, once; null when not (yet).</summary>
    public Ticket? Overdue(Ticket ticket, DateTimeOffset now) =>
        ticket is { Overdue: false, ResolveBy: { } by, State: not (TicketState.Resolved or TicketState.Closed) } && now >= by
            ? ticket with
            {
                Overdue = true,
                Revision = ticket.Revision + 1,
                Audit = [.. ticket.Audit, new TicketAuditEntry(now, "overdue", "gateway", $"not resolved by {TimeZoneInfo.ConvertTime(by, zone):yyyy-MM-dd HH:mm} (site time); {ticket.AssignedTo ?? "nobody"} has it")],
            }
            : null;

    /// <summary>Resolved, and its alarm normal through the follow-up window: closed (the manual's follow-up); null when not (yet).</summary>
    public Ticket? FollowedUp(Ticket ticket, bool alarmActive, DateTimeOffset now) =>
        ticket.State == TicketState.Resolved && marks.Since($"resolved:{ticket.Id}") >= _followUp && !alarmActive
            ? ticket with { State = TicketState.Closed, Revision = ticket.Revision + 1, Audit = [.. ticket.Audit, new TicketAuditEntry(now, "closed", "gateway", "normal through the follow-up window")] }
            : null;

    /// <summary>
    /// The ticket's part of a technician's action (the alarm's part, acknowledging its state or resetting a latch, is
    /// the engine's): acknowledging makes you its owner; resolving starts the follow-up.
    /// </summary>
    public Ticket Act(Ticket ticket, TicketCommand command, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        ArgumentNullException.ThrowIfNull(command);
        switch (command.Action)
        {
            case TicketAction.Ack when ticket.State == TicketState.Open:
                return ticket with { State = TicketState.Acknowledged, AssignedTo = command.By }; // who acknowledges owns it
            case TicketAction.Start:
                return ticket with { State = TicketState.InProgress };
            case TicketAction.Resolve:
                return Resolved(ticket, now);
            case TicketAction.Reset:
                return ticket with { ConditionActive = false };
            default:
                return ticket;
        }
    }

    /// <summary>Resolved now: closed after the follow-up if its alarm stays normal.</summary>
    public Ticket Resolved(Ticket ticket, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        marks.Mark($"resolved:{ticket.Id}", now);
        return ticket with { State = TicketState.Resolved, ResolvedAt = now };
    }

    /// <summary>A stored ticket after a restart: its paging round and follow-up count on from their wall-clock times.</summary>
    public void Restore(Ticket ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        marks.Mark($"paged:{ticket.Id}", ticket.PagedAt ?? ticket.FirstAt);
        if (ticket.ResolvedAt is { } resolved)
            marks.Mark($"resolved:{ticket.Id}", resolved);
    }
}

/// <summary>
/// Monotonic moments by key (a paging round, a resolution, a shelve's end) recorded from wall-clock times: what counts
/// from them runs on the monotonic clock, so a wall-clock step (NTP, a Pi without RTC) neither hurries nor stalls it.
/// </summary>
public sealed class MonotonicMarks(TimeProvider time)
{
    private readonly Dictionary<string, long> _marks = new(StringComparer.Ordinal);

    /// <summary>Records the monotonic moment of a wall-clock time, relative to the wall clock now.</summary>
    public void Mark(string key, DateTimeOffset wall) =>
        _marks[key] = time.GetTimestamp() + (long)((wall - time.GetUtcNow()).TotalSeconds * time.TimestampFrequency);

    /// <summary>Drops a mark nothing counts from any more (a closed ticket).</summary>
    public void Forget(string key) => _marks.Remove(key);

    /// <summary>Monotonic time since a marked moment (negative before it); very long for an unknown mark.</summary>
    public TimeSpan Since(string key) =>
        _marks.TryGetValue(key, out long mark) ? time.GetElapsedTime(mark) : TimeSpan.MaxValue;
}
