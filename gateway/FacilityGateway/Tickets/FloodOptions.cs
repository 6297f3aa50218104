using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Tickets;

/// <summary>Flood handling under <c>on_call: flood:</c>.</summary>
public sealed class FloodOptions : ConfigNode
{
    /// <summary>More notifications than this within <see cref="Window"/> is a flood.</summary>
    [Range(1, 10_000)]
    public int MaxNotifications { get; init; } = 10;

    /// <summary>The sliding window of flood detection.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>During a flood, P2-P4 notifications are gathered and sent as one digest this often.</summary>
    public TimeSpan DigestEvery { get; init; } = TimeSpan.FromMinutes(5);
}
