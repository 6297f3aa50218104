using System.Globalization;
using FacilityGateway.Alarms;
using FacilityGateway.Tickets;

namespace FacilityGateway.Dashboard.Tickets;

/// <summary>
/// The ticket list's filter, from the query string: <c>asset</c>, <c>priority</c> (P1..P4), <c>state</c> (open,
/// acknowledged, in_progress, resolved, closed, or <c>active</c> for all but closed), <c>from</c> and <c>to</c>
/// (dates, site time, inclusive) and <c>q</c> (words in the id, message, asset or point, any case).
/// </summary>
public sealed record TicketFilter(string? Asset, AlarmPriority? Priority, string? State, DateOnly? From, DateOnly? To, string? Text)
{
    /// <summary>Reads the filter; a value that cannot be read is a problem for a 400 answer.</summary>
    public static (TicketFilter? Filter, string? Problem) Parse(Func<string, string?> query)
    {
        ArgumentNullException.ThrowIfNull(query);
        AlarmPriority? priority = null;
        if (query("priority") is { Length: > 0 } p)
        {
            if (!Enum.TryParse<AlarmPriority>(p, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
                return (null, $"priority '{p}' is not one of P1, P2, P3, P4");
            priority = parsed;
        }
        string? state = query("state") is { Length: > 0 } s ? s.ToLowerInvariant() : null;
        if (state is not null and not "active" && StateName(state) is null)
            return (null, $"state '{state}' is not one of active, open, acknowledged, in_progress, resolved, closed");
        DateOnly? from = null, to = null;
        foreach (var (key, set) in new (string, Action<DateOnly>)[] { ("from", d => from = d), ("to", d => to = d) })
            if (query(key) is { Length: > 0 } text)
            {
                if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                    return (null, $"{key} '{text}' is not a date like 2026-12-03");
                set(day);
            }
        return (new TicketFilter(query("asset") is { Length: > 0 } a ? a : null, priority, state, from, to, query("q") is { Length: > 0 } q ? q.Trim() : null), null);
    }

    /// <summary>True when <paramref name="ticket"/> passes, days counted in <paramref name="site"/>'s time.</summary>
    public bool Matches(Ticket ticket, TimeZoneInfo site)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        if (Asset is not null && ticket.Asset.Id != Asset)
            return false;
        if (Priority is { } p && ticket.Priority != p)
            return false;
        if (State == "active" ? ticket.State == TicketState.Closed : State is not null && StateName(State) != ticket.State)
            return false;
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(ticket.FirstAt, site).DateTime);
        if ((From is { } from && day < from) || (To is { } to && day > to))
            return false;
        return Text is null || new[] { ticket.Id, ticket.Message, ticket.Asset.Id, ticket.Asset.Name, ticket.PointId, ticket.DeviceId }
            .Any(field => field.Contains(Text, StringComparison.OrdinalIgnoreCase));
    }

    private static TicketState? StateName(string name) => name switch
    {
        "open" => TicketState.Open,
        "acknowledged" => TicketState.Acknowledged,
        "in_progress" => TicketState.InProgress,
        "resolved" => TicketState.Resolved,
        "closed" => TicketState.Closed,
        _ => null,
    };
}
