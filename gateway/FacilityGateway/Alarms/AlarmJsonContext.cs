using System.Text.Json;
using System.Text.Json.Serialization;
using FacilityGateway.Maintenance;
using FacilityGateway.Tickets;

namespace FacilityGateway.Alarms;

/// <summary>
/// The alarms' stored state as JSON, generated at build time: each rule's alarm state and each asset's usage, in the
/// ticket desk's form (<see cref="TicketEvent.Json"/>), beside the tickets and the flood digest.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AlarmState))]
[JsonSerializable(typeof(UsageState))]
internal sealed partial class AlarmJsonContext : JsonSerializerContext
{
    /// <summary>The alarms' state and the ticket desk's types, with the Unicode encoder.</summary>
    public static JsonSerializerOptions Combined => field ??= TicketEvent.With(Default!);
}
