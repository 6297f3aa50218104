namespace FacilityGateway.Alarms;

/// <summary>Alarm states after ISA-18.2 / IEC 62682.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(Readings.SnakeCaseEnumConverter<AlarmCondition>))]
public enum AlarmCondition
{
    /// <summary>Not active, nothing to acknowledge.</summary>
    Normal,
    /// <summary>Active, nobody has acknowledged it.</summary>
    ActiveUnacknowledged,
    /// <summary>Active, acknowledged.</summary>
    ActiveAcknowledged,
    /// <summary>Returned to normal before anybody acknowledged it.</summary>
    ReturnedUnacknowledged,
}

/// <summary>The persisted state of one rule's alarm: survives restarts, committed with its ticket and notification.</summary>
public sealed record AlarmState
{
    public required string RuleId { get; init; }
    public AlarmCondition Condition { get; init; }
    /// <summary>Suppressed: its device has lost communication, so this value alarm does not notify.</summary>
    public bool Suppressed { get; init; }
    /// <summary>Suppressed by design: its <c>only_when</c> point is off (the pump is commanded off); not evaluated meanwhile.</summary>
    public bool SuppressedByDesign { get; init; }
    public DateTimeOffset? ShelvedUntil { get; init; }
    public string? ShelveReason { get; init; }
    public string? OutOfServiceReason { get; init; }
    /// <summary>When out of service ends by itself (at most 30 days after it began): nothing stays silenced for ever.</summary>
    public DateTimeOffset? OutOfServiceUntil { get; init; }
    /// <summary>Raised 3 or more times within a minute: it no longer pages; one instrument ticket asks for a check.</summary>
    public bool Chattering { get; init; }
    /// <summary>The ticket of the current (or last) occurrence.</summary>
    public string? TicketId { get; init; }
    public DateTimeOffset? ActivatedAt { get; init; }

    /// <summary>True while the condition is active, acknowledged or not.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsActive => Condition is AlarmCondition.ActiveUnacknowledged or AlarmCondition.ActiveAcknowledged;

    /// <summary>True when an activation must not page anybody. A shelve lasts until the engine's monotonic timer ends it.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsSilenced => Suppressed || SuppressedByDesign || Chattering || OutOfServiceReason is not null || ShelvedUntil is not null;
}
