using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Alarms.Equipment;

/// <summary>One window of a schedule: <c>{ days: mon-fri, from: "06:30", to: "20:00" }</c>, in the site's time zone.</summary>
public sealed class ScheduleWindowOptions : ConfigNode
{
    /// <summary>Days the window starts on: <c>daily</c>, <c>mon-fri</c>, <c>sat,sun</c>, <c>mon,wed,fri</c>.</summary>
    public string Days { get; init; } = "daily";

    /// <summary>Start, local time of the site.</summary>
    [RequiredKey, Describe("add 'from:', for example from: \"06:30\"")]
    public TimeOnly From { get; init; }

    /// <summary>End, local time; an end at or before the start runs past midnight (from: "18:00", to: "06:00").</summary>
    [RequiredKey, Describe("add 'to:', for example to: \"20:00\"")]
    public TimeOnly To { get; init; }
}

/// <summary>When something should be on, by day of week and local time of the site (lighting, ventilation).</summary>
public sealed class WeeklySchedule(IReadOnlyList<(IReadOnlySet<DayOfWeek> Days, TimeOnly From, TimeOnly To)> windows, TimeZoneInfo zone)
{
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    /// <summary>True when <paramref name="at"/> falls in a window. A window whose end is at or before its start runs past midnight.</summary>
    public bool IsOn(DateTimeOffset at)
    {
        var local = TimeZoneInfo.ConvertTime(at, zone).DateTime;
        var time = TimeOnly.FromDateTime(local);
        var day = local.DayOfWeek;
        var yesterday = (DayOfWeek)(((int)day + 6) % 7);
        foreach (var (days, from, to) in windows)
        {
            if (from < to ? days.Contains(day) && time >= from && time < to
                          : (days.Contains(day) && time >= from) || (days.Contains(yesterday) && time < to))
                return true;
        }
        return false;
    }

    /// <summary>Reads <c>daily</c>, <c>weekdays</c>, <c>weekends</c>, <c>mon-fri</c>, <c>sat,sun</c>, <c>fri-mon</c>.</summary>
    public static bool TryParseDays(string text, out HashSet<DayOfWeek> days)
    {
        days = [];
        string normal = text.Trim().ToLowerInvariant();
        if (normal is "daily" or "every day" or "all")
            normal = "mon-sun";
        else if (normal == "weekdays")
            normal = "mon-fri";
        else if (normal == "weekends")
            normal = "sat,sun";
        foreach (var part in normal.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var range = part.Split('-', StringSplitOptions.TrimEntries);
            if (range.Length > 2 || range.Any(r => Index(r) < 0))
                return false;
            int first = Index(range[0]), last = Index(range[^1]);
            for (int d = first; ; d = (d + 1) % 7)
            {
                days.Add((DayOfWeek)d);
                if (d == last)
                    break;
            }
        }
        return days.Count > 0;
    }

    private static int Index(string name) => name.Length >= 3 ? Array.IndexOf(DayNames, name[..3]) : -1;
}
