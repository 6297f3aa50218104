namespace FacilityGateway.Tickets;

/// <summary>What a technician can do to a ticket (docs/ON-CALL.md); each is also the name of the event it causes.</summary>
public enum TicketAction
{
    /// <summary>I have it: stops the escalation; whoever acknowledges owns the ticket.</summary>
    Ack,
    /// <summary>Work has started on site.</summary>
    Start,
    /// <summary>Fixed; closed after the follow-up period if the alarm stays normal.</summary>
    Resolve,
    /// <summary>Silence the alarm for a while (a reason and at most 24 h).</summary>
    Shelve,
    /// <summary>End a shelve early.</summary>
    Unshelve,
    /// <summary>Reset a latched alarm whose condition has gone.</summary>
    Reset,
    /// <summary>Take the equipment's alarm out of service for a repair (a reason and at most 30 days).</summary>
    OutOfService,
    /// <summary>Back in service.</summary>
    InService,
}

/// <summary>The names of <see cref="TicketAction"/> on the wire (MQTT topics, the command line, the dashboard, events).</summary>
public static class TicketActions
{
    private static readonly Dictionary<TicketAction, string> Names = new()
    {
        [TicketAction.Ack] = "ack",
        [TicketAction.Start] = "start",
        [TicketAction.Resolve] = "resolve",
        [TicketAction.Shelve] = "shelve",
        [TicketAction.Unshelve] = "unshelve",
        [TicketAction.Reset] = "reset",
        [TicketAction.OutOfService] = "out_of_service",
        [TicketAction.InService] = "in_service",
    };

    private static readonly Dictionary<string, TicketAction> ByName = Names.ToDictionary(n => n.Value, n => n.Key, StringComparer.Ordinal);

    /// <summary>Every action's name, in the order above.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Names.Values];

    /// <summary>The action's name: <c>ack</c>, <c>out_of_service</c>...</summary>
    public static string Name(this TicketAction action) => Names[action];

    /// <summary>The action named <paramref name="name"/>, if it is one.</summary>
    public static bool TryParse(string? name, out TicketAction action) => ByName.TryGetValue(name ?? "", out action);
}
