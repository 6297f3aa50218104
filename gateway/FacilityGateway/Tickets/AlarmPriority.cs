namespace FacilityGateway.Tickets;

/// <summary>
/// Priority, P1 most urgent: a ticket's, set by the rule that raised it. Response targets per priority are in
/// <see cref="ResponseTargets"/>. (It belongs to the ticket desk: the alarm rule that names it points at it.)
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(Readings.SnakeCaseEnumConverter<AlarmPriority>))]
public enum AlarmPriority { P1 = 1, P2 = 2, P3 = 3, P4 = 4 }
