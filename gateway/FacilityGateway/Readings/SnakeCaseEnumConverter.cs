using System.Text.Json;
using System.Text.Json.Serialization;

namespace FacilityGateway.Readings;

/// <summary>
/// An enum written as its snake_case name (<c>in_progress</c>, <c>p1</c>) in the outbox, on MQTT, to webhooks and on
/// the dashboard, and read back from the name or the number. Put on the enum type itself
/// (<c>[JsonConverter(typeof(SnakeCaseEnumConverter&lt;TicketState&gt;))]</c>), so every JSON context writes it alike,
/// with no converter made by reflection at run time (the generic converter needs no code generated in a Native AOT
/// build, the non-generic <see cref="JsonStringEnumConverter"/> does).
/// </summary>
public sealed class SnakeCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.SnakeCaseLower)
    where TEnum : struct, Enum;
