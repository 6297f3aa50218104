using FacilityGateway.Alarms;

namespace FacilityGateway.Tickets;

/// <summary>The property manual's flow: accepted and logged, verified, handled, reported back, followed up.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(Readings.SnakeCaseEnumConverter<TicketState>))]
public enum TicketState { Open, Acknowledged, InProgress, Resolved, Closed }

/// <summary>One entry of a ticket's audit trail.</summary>
public sealed record TicketAuditEntry(DateTimeOffset At, string Action, string By, string? Note);

/// <summary>What the ticket says about the equipment, copied from the register when it opened.</summary>
public sealed record TicketAsset(string Id, string Name, string? Model, string? Location, DateOnly? Installed, string? Team, string? Contact);

/// <summary>
/// A fault ticket: one per alarm occurrence. Its id is generated and stored before anything is sent and is the
/// idempotency key of every notification about it.
/// </summary>
public sealed record Ticket
{
    public required string Id { get; init; }
    public required string Site { get; init; }
    public required TicketAsset Asset { get; init; }
    public required string RuleId { get; init; }
    public required string DeviceId { get; init; }
    public required string PointId { get; init; }
    public required AlarmPriority Priority { get; init; }
    public required string Message { get; init; }
    public double? Value { get; init; }
    public double? Limit { get; init; }
    public string Unit { get; init; } = "";
    public required DateTimeOffset FirstAt { get; init; }
    public required DateTimeOffset LastAt { get; init; }
    public int Occurrences { get; init; } = 1;
    public TicketState State { get; init; } = TicketState.Open;
    /// <summary>When the response is due (from the priority's target).</summary>
    public DateTimeOffset RespondBy { get; init; }
    /// <summary>When it should be resolved (from the priority's resolution target); null on tickets from before the target existed.</summary>
    public DateTimeOffset? ResolveBy { get; init; }
    /// <summary>True once it passed <see cref="ResolveBy"/> unresolved (its <c>overdue</c> event was sent).</summary>
    public bool Overdue { get; init; }
    /// <summary>True while the alarm condition is active.</summary>
    public bool ConditionActive { get; init; } = true;
    public DateTimeOffset? ResolvedAt { get; init; }
    /// <summary>Who is paged now (from the on-call rota).</summary>
    public string? AssignedTo { get; init; }
    /// <summary>0 primary, 1 secondary, 2 supervisor.</summary>
    public int EscalationLevel { get; init; }
    /// <summary>When the current round of paging began (opened, reopened or re-alarmed); escalation counts from it.</summary>
    public DateTimeOffset? PagedAt { get; init; }
    /// <summary>Reminders sent in this round of paging, after the last escalation, while nobody acknowledged.</summary>
    public int Reminders { get; init; }
    /// <summary>Number of the last notification sent about this ticket; with the id, the idempotency key of each.</summary>
    public int Revision { get; init; } = 1;
    public IReadOnlyList<TicketAuditEntry> Audit { get; init; } = [];
}

/// <summary>
/// Response-time targets per priority (P1 1 h, P2 the next business day by 17:00 at the site, by its calendar, P3 5 days, P4 scheduled:
/// 30 days).
/// </summary>
public static class ResponseTargets
{
    /// <summary>End of the business day, local time of the site.</summary>
    public static readonly TimeOnly EndOfBusinessDay = new(17, 0);

    public static DateTimeOffset DueBy(AlarmPriority priority, DateTimeOffset openedAt, TimeZoneInfo site, BusinessCalendar? calendar = null) => priority switch
    {
        AlarmPriority.P1 => openedAt.AddHours(1),
        AlarmPriority.P2 => NextBusinessDay(openedAt, site, calendar ?? BusinessCalendar.Weekdays),
        AlarmPriority.P3 => openedAt.AddDays(5),
        _ => openedAt.AddDays(30),
    };

    /// <summary>
    /// 17:00 on the next business day after <paramref name="at"/> (a weekday that is not a holiday, or a make-up
    /// working day), in the site's time zone (summer time included).
    /// </summary>
    private static DateTimeOffset NextBusinessDay(DateTimeOffset at, TimeZoneInfo site, BusinessCalendar calendar)
    {
        var day = calendar.NextAfter(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, site).DateTime));
        var local = day.ToDateTime(EndOfBusinessDay, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, site.GetUtcOffset(local));
    }
}
