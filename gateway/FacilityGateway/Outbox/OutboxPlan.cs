namespace FacilityGateway.Outbox;

/// <summary>
/// The outbox's slice of the configuration: its file, its bounds, the gateway id its health readings carry, and the
/// consumers whose cursors it keeps (the sinks, by id: it knows no more of them).
/// </summary>
public sealed record OutboxPlan(string File, OutboxOptions Options, string GatewayId, IReadOnlyList<string> Consumers);
