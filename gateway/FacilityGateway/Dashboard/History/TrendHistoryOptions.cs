using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Dashboard.History;

/// <summary><c>dashboard.history:</c>: the local trend history the dashboard draws (<c>history.db</c> in the data directory).</summary>
public sealed class TrendHistoryOptions : ConfigNode
{
    /// <summary>Keep trends (on whenever the dashboard is).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// Most megabytes the history file takes. A point takes about 28 KB (26 hours of minutes and 8 days of quarter
    /// hours, 12 bytes a bucket), so the default 64 MB holds about 2,400 points; later points get no trend (logged).
    /// </summary>
    [Range(1, 100_000)]
    public long MaxMegabytes { get; init; } = 64;
}

/// <summary>The trend history's slice: on or off, its file, and how many points its size limit holds.</summary>
public sealed record TrendHistoryPlan(bool Enabled, string Path, int MaxPoints)
{
    /// <summary>Bytes a point takes once every tier is full.</summary>
    public static long BytesPerPoint { get; } = TrendTier.All.Sum(t => t.BytesPerSeries);

    /// <summary>The plan for the dashboard's options in <paramref name="dataDirectory"/>.</summary>
    public static TrendHistoryPlan Of(bool dashboardEnabled, TrendHistoryOptions options, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        int maxPoints = (int)Math.Min(int.MaxValue, options.MaxMegabytes * 1024 * 1024 / BytesPerPoint);
        return new(dashboardEnabled && options.Enabled, System.IO.Path.Combine(dataDirectory, "history.db"), maxPoints);
    }
}
