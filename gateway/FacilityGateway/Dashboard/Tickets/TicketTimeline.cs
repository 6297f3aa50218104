using FacilityGateway.Tickets;

namespace FacilityGateway.Dashboard.Tickets;

/// <summary>
/// A step of the service manual's flow (section 2.1: accept and log, verify, handle, report back, follow up) as one
/// ticket went through it: its time limit, who has it, when it happened, and whether it is late.
/// </summary>
public sealed record TicketStep(string Step, DateTimeOffset? Due, string? Owner, DateTimeOffset? At, bool Overdue);

/// <summary>The manual's five steps of a ticket, from its audit trail and its targets.</summary>
public static class TicketTimeline
{
    /// <summary>The steps' names, in order (the page's texts translate them).</summary>
    public static IReadOnlyList<string> Steps { get; } = ["logged", "verified", "handled", "reported", "followed_up"];

    /// <summary>
    /// Logged when it opened (the gateway accepts and logs at once); verified when acknowledged (or first acted on), due by the response
    /// target; handled when work started (or, if nobody pressed start, when it was resolved); reported back when
    /// resolved, due by the resolve target; followed up when it closed after the follow-up window of normal readings.
    /// </summary>
    public static IReadOnlyList<TicketStep> Of(Ticket ticket, TimeSpan followUp, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        DateTimeOffset? First(params string[] actions) => ticket.Audit.FirstOrDefault(a => actions.Contains(a.Action))?.At;
        string? By(params string[] actions) => ticket.Audit.FirstOrDefault(a => actions.Contains(a.Action))?.By;
        var resolved = ticket.ResolvedAt ?? First(TicketAction.Resolve.Name(), "maintenance_done");
        var started = First(TicketAction.Start.Name()) ?? resolved;
        // Whoever started or resolved it without pressing acknowledge has verified it by then.
        var acknowledged = First(TicketAction.Ack.Name()) ?? started;
        var closed = First("closed");
        var owner = By(TicketAction.Ack.Name(), TicketAction.Start.Name(), TicketAction.Resolve.Name(), "maintenance_done") ?? ticket.AssignedTo;
        DateTimeOffset? followUpBy = resolved is { } r ? r + followUp : null;
        static bool Late(DateTimeOffset? due, DateTimeOffset? at, DateTimeOffset now) => due is { } d && (at ?? now) > d;
        return
        [
            new("logged", ticket.FirstAt, "gateway", ticket.FirstAt, false),
            new("verified", ticket.RespondBy, owner, acknowledged, Late(ticket.RespondBy, acknowledged, now)),
            new("handled", ticket.ResolveBy, By(TicketAction.Start.Name()) ?? owner, started, false),
            new("reported", ticket.ResolveBy, By(TicketAction.Resolve.Name(), "maintenance_done") ?? owner, resolved, ticket.Overdue || Late(ticket.ResolveBy, resolved, now)),
            new("followed_up", followUpBy, "gateway", closed, false),
        ];
    }
}
