using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using FacilityGateway.Dashboard.Register;
using FacilityGateway.Tickets;

namespace FacilityGateway.Dashboard;

/// <summary>One page of <c>GET /api/tickets</c>: how many match, and the newest of them with their steps.</summary>
public sealed record TicketsAnswer(int Total, IEnumerable<TicketWithTimeline> Tickets);

/// <summary>A write the dashboard made: what the gateway says, and the point's value before and after.</summary>
public sealed record WriteDone(string Message, double? Before, double? After);

/// <summary>A command the dashboard ran: what the gateway says.</summary>
public sealed record CommandDone(string Message);

/// <summary>
/// The dashboard's JSON, answers and request bodies, generated at build time (no reflection, so the same in a Native
/// AOT build), in the ticket desk's form (<see cref="TicketEvent.Json"/>): snake_case, nulls left out, enums by name.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DashboardOverview))]
[JsonSerializable(typeof(TrendAnswer))]
[JsonSerializable(typeof(IReadOnlyList<RegisterEntry>))]
[JsonSerializable(typeof(TicketsAnswer))]
[JsonSerializable(typeof(WriteDone))]
[JsonSerializable(typeof(CommandDone))]
[JsonSerializable(typeof(DashboardSignIn))]
[JsonSerializable(typeof(DashboardAction))]
[JsonSerializable(typeof(DashboardMaintenanceDone))]
[JsonSerializable(typeof(DashboardWrite))]
[JsonSerializable(typeof(DashboardRun))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext
{
    /// <summary>The dashboard's and the ticket desk's types, with the Unicode encoder.</summary>
    public static JsonSerializerOptions Combined => field ??= TicketEvent.With(Default!);

    /// <summary>The resolver the dashboard's web server binds request bodies and writes answers with.</summary>
    public static IJsonTypeInfoResolver Resolver => Combined.TypeInfoResolver!;

    /// <summary>An answer of type <typeparamref name="T"/> as JSON.</summary>
    public static IResult Json<T>(T value) => Results.Json(value, Combined.GetTypeInfo<T>());
}
