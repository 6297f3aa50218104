using System.Globalization;

namespace FacilityGateway.Configuration.Yaml;

/// <summary>Durations as installers write them: <c>500ms</c>, <c>1s</c>, <c>1.5s</c>, <c>2m</c>, <c>1h</c>, <c>7d</c>.</summary>
public static class Durations
{
    private static readonly (string Suffix, double Seconds)[] Units =
        [("ms", 0.001), ("us", 0.000001), ("s", 1), ("m", 60), ("min", 60), ("h", 3600), ("d", 86400), ("w", 604800)];

    /// <summary>Parses a duration; false with a reason when it is not one.</summary>
    public static bool TryParse(string text, out TimeSpan value, out string error)
    {
        value = default;
        error = "";
        string t = text.Trim().ToLowerInvariant();
        foreach (var (suffix, seconds) in Units.OrderByDescending(u => u.Suffix.Length))
        {
            if (t.EndsWith(suffix, StringComparison.Ordinal) && double.TryParse(t[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
            {
                if (number < 0)
                {
                    error = "a duration cannot be negative";
                    return false;
                }
                value = TimeSpan.FromTicks((long)Math.Round(number * seconds * TimeSpan.TicksPerSecond));
                return true;
            }
        }
        error = double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            ? $"'{text}' has no unit; write for example {text}s or {text}ms"
            : $"'{text}' is not a duration; write for example 500ms, 1s, 5m, 1h or 7d";
        return false;
    }

    /// <summary>Writes a duration the way it is parsed.</summary>
    public static string Format(TimeSpan value) =>
        value.TotalMilliseconds < 1000 ? $"{value.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms"
        : value.TotalSeconds < 120 ? $"{value.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s"
        : value.TotalMinutes < 120 ? $"{value.TotalMinutes.ToString(CultureInfo.InvariantCulture)}m"
        : value.TotalHours < 48 || value.Ticks % TimeSpan.TicksPerDay != 0 ? $"{value.TotalHours.ToString(CultureInfo.InvariantCulture)}h"
        : $"{value.TotalDays.ToString(CultureInfo.InvariantCulture)}d";
}
