using FacilityGateway.Configuration;

namespace FacilityGateway.Outbox;

/// <summary>The outbox's part of the configuration: <c>outbox:</c>.</summary>
public static class OutboxConfiguration
{
    /// <summary>Adds <c>outbox:</c>.</summary>
    public static void Register(ConfigurationRegistry registry) => registry.AddSection<OutboxOptions>("outbox");

    /// <summary>The durable outbox.</summary>
    public static OutboxOptions Outbox(this GatewayConfig config) => config.Section<OutboxOptions>();
}
