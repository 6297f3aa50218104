using System.Globalization;
using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Tickets;

/// <summary>
/// <c>on_call.calendar:</c>: the site's public holidays and the weekend days that are worked instead (China moves
/// weekend days to make its holiday weeks, 调休; the State Council publishes each year's days, to be copied here).
/// Each entry is a date, <c>2026-10-01</c>, or a range, <c>2026-10-01..2026-10-07</c>.
/// </summary>
public sealed class BusinessCalendarOptions : ConfigNode
{
    /// <summary>Days off although they are weekdays.</summary>
    public IReadOnlyList<string> Holidays { get; init; } = [];

    /// <summary>Working days although they fall on a weekend (make-up days, 调休).</summary>
    public IReadOnlyList<string> WorkingDays { get; init; } = [];
}

/// <summary>Which days are business days at the site: Monday to Friday, less the holidays, plus the make-up days.</summary>
public sealed class BusinessCalendar
{
    private readonly HashSet<DateOnly> _holidays;
    private readonly HashSet<DateOnly> _workingDays;

    /// <summary>Monday to Friday, every week.</summary>
    public static BusinessCalendar Weekdays { get; } = new([], []);

    public BusinessCalendar(IEnumerable<DateOnly> holidays, IEnumerable<DateOnly> workingDays) => (_holidays, _workingDays) = ([.. holidays], [.. workingDays]);

    /// <summary>The calendar of <paramref name="options"/>; entries that cannot be read are left out (validation reports them).</summary>
    public static BusinessCalendar Of(BusinessCalendarOptions? options) => options is null ? Weekdays
        : new(options.Holidays.SelectMany(e => Days(e) ?? []), options.WorkingDays.SelectMany(e => Days(e) ?? []));

    /// <summary>True when <paramref name="day"/> is worked.</summary>
    public bool IsBusinessDay(DateOnly day) =>
        _workingDays.Contains(day) || (day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && !_holidays.Contains(day));

    /// <summary>The first business day after <paramref name="day"/>.</summary>
    public DateOnly NextAfter(DateOnly day)
    {
        var next = day.AddDays(1);
        for (int i = 0; i < 366 && !IsBusinessDay(next); i++) // a calendar of only holidays still ends
            next = next.AddDays(1);
        return next;
    }

    /// <summary>The days of an entry (a date or <c>from..to</c>), or null when it is neither.</summary>
    public static IReadOnlyList<DateOnly>? Days(string entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var parts = entry.Split("..", 2, StringSplitOptions.TrimEntries);
        if (!TryDate(parts[0], out var from))
            return null;
        if (parts.Length == 1)
            return [from];
        if (!TryDate(parts[1], out var to) || to < from || to.DayNumber - from.DayNumber > 366)
            return null;
        return [.. Enumerable.Range(0, to.DayNumber - from.DayNumber + 1).Select(from.AddDays)];
    }

    private static bool TryDate(string text, out DateOnly day) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);
}
