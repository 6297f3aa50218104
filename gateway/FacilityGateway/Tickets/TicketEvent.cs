using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
namespace FacilityGateway.Tickets;

/// <summary>
/// A notification about a ticket, as stored in the outbox and published (docs/ON-CALL.md):
/// <c>{"event":"opened","key":"T-20261126-233000-0042#1","ticket":{...}}</c>. <c>key</c> (ticket id and revision) is the
/// idempotency key: a consumer that sees it twice has seen the same notification twice. <c>held</c> is true when a
/// notification flood held it for the digest: it updates dashboards but pages nobody.
/// </summary>
public sealed record TicketEvent(string Event, string Key, Ticket Ticket, bool? Held = null)
{
    /// <summary>
    /// The ticket desk's JSON options: the generated <see cref="TicketJsonContext"/> with the Unicode encoder. A part with
    /// JSON types of its own combines its context with this one (<see cref="With"/>).
    /// </summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = Readings.UnicodeJson.Encoder,
        TypeInfoResolver = TicketJsonContext.Default,
    };

    /// <summary>The ticket desk's options with another part's generated types in front of its own.</summary>
    public static JsonSerializerOptions With(IJsonTypeInfoResolver types) =>
        new(Json) { TypeInfoResolver = JsonTypeInfoResolver.Combine(types, TicketJsonContext.Default) };

    /// <summary>Events the gateway raises itself; they count towards a notification flood.</summary>
    public static readonly IReadOnlySet<string> Raised = new HashSet<string>(StringComparer.Ordinal)
        { "opened", "recurred", "escalated", "reminder", "realarm", "overdue", "cleared", "closed", "maintenance_due" };

    /// <summary>Technicians' actions (MQTT command topic, command line, dashboard); each is also the event it causes.</summary>
    public static IReadOnlyList<string> Actions => TicketActions.All;

    /// <summary>Every event name a consumer can see: raised, actions, and the flood digest.</summary>
    public static IEnumerable<string> Names => Raised.Concat(Actions).Append("digest");

    public static TicketEvent Of(string name, Ticket ticket, bool held = false) => new(name, $"{ticket.Id}#{ticket.Revision}", ticket, held ? true : null);

    public byte[] Encode() => JsonSerializer.SerializeToUtf8Bytes(this, Json.GetTypeInfo<TicketEvent>());

    public static TicketEvent Decode(ReadOnlySpan<byte> payload) => JsonSerializer.Deserialize(payload, Json.GetTypeInfo<TicketEvent>())!;
}

/// <summary>A technician's action on a ticket, from the MQTT command topic, the command line or the dashboard: who, and why.</summary>
public sealed record TicketCommand(TicketAction Action, string Ticket, string By, string? Note = null, TimeSpan? Duration = null);
