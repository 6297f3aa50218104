using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Commands.Writes;

/// <summary>
/// <c>control:</c>: who may write to devices, and a switch that refuses every write. A person is an on-call contact's
/// id; over MQTT they write on <c>…/commands/write/{person}</c>, a topic the broker's ACL lets only that person's user
/// publish to (docs/CONTROL.md), so the actor is the broker's authenticated user, never a typed name.
/// </summary>
public sealed class ControlOptions : ConfigNode
{
    /// <summary>Refuse every write (commissioning, or a site that only watches).</summary>
    public bool ReadOnly { get; init; }

    /// <summary>People who may write, by on-call contact id, with their role: <c>technician</c> or <c>installer</c>.</summary>
    public IReadOnlyDictionary<string, string> People { get; init; } = new Dictionary<string, string>();
}
