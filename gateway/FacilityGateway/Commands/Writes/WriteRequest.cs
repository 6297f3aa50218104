namespace FacilityGateway.Commands.Writes;

/// <summary>A person's request to set a point: who (authenticated by the channel), what, to which value, and why.</summary>
public sealed record WriteRequest(string Person, string DeviceId, string PointId, double Value, string? Why, string? RequestId);

/// <summary>The answer to a write: the outcome, a sentence, and the point's value before and after (null when unknown).</summary>
public sealed record WriteAnswer(CommandResult Result, double? Before, double? After);
