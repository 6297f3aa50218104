namespace FacilityGateway.Readings;

/// <summary>
/// One value of one point at one time with a quality: the only thing that crosses from sources to the rest.
/// <see cref="Value"/> is NaN when the quality is bad; <see cref="Text"/> carries string points.
/// </summary>
public readonly record struct Reading(string DeviceId, string PointId, double Value, string? Text, string Unit, Quality Quality, DateTimeOffset SampledAt)
{
    /// <summary>A bad reading: no value, the reason in the quality.</summary>
    public static Reading Bad(string deviceId, string pointId, string unit, Quality quality, DateTimeOffset sampledAt) =>
        new(deviceId, pointId, double.NaN, null, unit, quality, sampledAt);
}

/// <summary>The readings of one poll of one device, all sampled at the same time.</summary>
public sealed record ReadingBatch(string DeviceId, string AssetId, DateTimeOffset SampledAt, IReadOnlyList<Reading> Readings);
