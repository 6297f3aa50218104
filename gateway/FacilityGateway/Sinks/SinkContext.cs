using FacilityGateway.Configuration;
using FacilityGateway.Tickets;

namespace FacilityGateway.Sinks;

/// <summary>
/// A sink's slice of the configuration: who the gateway is (topics, tags, client ids), the register's assets and the
/// enabled devices (tags, Home Assistant discovery), how to reach people (a webhook's ntfy topics) and what to say to
/// them (the site's language and time zone, for a notification's texts). Built once by
/// Delivery; a sink gets no more of the configuration than this and its own options.
/// </summary>
public sealed record SinkContext(string GatewayId, string Site, IReadOnlyList<AssetOptions> Assets, IReadOnlyList<DeviceOptions> Devices,
    IReadOnlyDictionary<string, OnCallContact> Contacts, TicketTexts Texts)
{
    /// <summary>The slice of <paramref name="config"/>.</summary>
    public static SinkContext Of(GatewayConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new(config.Gateway.Id, config.Gateway.Site, config.Assets, [.. config.Devices.Where(d => d.Enabled)], config.OnCall().Contacts,
            TicketTexts.For(config.Gateway.Language, TimeZoneInfo.FindSystemTimeZoneById(config.Gateway.TimeZone)));
    }
}
