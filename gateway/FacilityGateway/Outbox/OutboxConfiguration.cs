using FacilityGateway.Configuration;

namespace FacilityGateway.Outbox;

/// <summary>The outbox's part of the configuration: <c>outbox:</c>.</summary>
public static class OutboxConfiguration
{
    /// <summary>Adds <c>outbox:</c>.</summary>
    public static void Register(ConfigurationRegistry registry) => registry
        .AddSection<OutboxOptions>("outbox")
        .AddCheck(Check);

    private static void Check(ValidationContext context)
    {
        var outbox = context.Config.Outbox();
        if (outbox.CommitEvery < TimeSpan.Zero || outbox.CommitEvery > TimeSpan.FromSeconds(10))
            context.Errors.Error(outbox.OriginOf("commit_every"), outbox.PathOf("commit_every"), $"commit_every {Configuration.Yaml.Durations.Format(outbox.CommitEvery)} is out of range",
                "use 0s (commit at once) to 10s; 1s keeps an SD card's writes low and telemetry about a second behind");
    }

    /// <summary>The durable outbox.</summary>
    public static OutboxOptions Outbox(this GatewayConfig config) => config.Section<OutboxOptions>();
}
