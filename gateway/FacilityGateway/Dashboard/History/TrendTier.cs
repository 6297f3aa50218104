namespace FacilityGateway.Dashboard.History;

/// <summary>
/// One resolution of the trend history: buckets of <see cref="Width"/> kept for <see cref="Kept"/>. The minute tier
/// draws the hour and the day, the quarter-hour tier the week.
/// </summary>
public sealed record TrendTier(string Table, TimeSpan Width, TimeSpan Kept)
{
    /// <summary>One-minute buckets for 26 hours (the day view, with room for a slow clock).</summary>
    public static TrendTier Minute { get; } = new("minute", TimeSpan.FromMinutes(1), TimeSpan.FromHours(26));

    /// <summary>Fifteen-minute buckets for 8 days (the week view).</summary>
    public static TrendTier Quarter { get; } = new("quarter", TimeSpan.FromMinutes(15), TimeSpan.FromDays(8));

    /// <summary>Both, finest first.</summary>
    public static IReadOnlyList<TrendTier> All { get; } = [Minute, Quarter];

    /// <summary>Stored bytes per point for one bucket: average, minimum and maximum as 32-bit floats.</summary>
    public const int BytesPerPoint = 12;

    /// <summary>The start of the bucket that holds <paramref name="at"/>, in Unix seconds.</summary>
    public long StartOf(DateTimeOffset at)
    {
        long width = (long)Width.TotalSeconds;
        long seconds = at.ToUnixTimeSeconds();
        return seconds - ((seconds % width) + width) % width;
    }

    /// <summary>Bytes a point takes in this tier once it is full.</summary>
    public long BytesPerSeries => (long)(Kept / Width) * BytesPerPoint;
}

/// <summary>What one bucket of one point holds; NaN average when the point had no good reading in it.</summary>
public readonly record struct TrendBucket(long Start, float Average, float Minimum, float Maximum);
