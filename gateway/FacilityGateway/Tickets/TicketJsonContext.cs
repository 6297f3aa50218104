using System.Text.Json.Serialization;

namespace FacilityGateway.Tickets;

/// <summary>
/// The ticket desk's JSON, generated at build time (no reflection, so it is the same in a Native AOT build): snake_case
/// names, nulls left out, enums by name (<see cref="Readings.SnakeCaseEnumConverter{TEnum}"/>). Used through
/// <see cref="TicketEvent.Json"/>, which adds the Unicode encoder.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TicketEvent))]
[JsonSerializable(typeof(TicketDigest))]
[JsonSerializable(typeof(DigestState))]
[JsonSerializable(typeof(Ticket))]
internal sealed partial class TicketJsonContext : JsonSerializerContext;
