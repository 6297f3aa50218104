using FacilityGateway.Alarms;
using FacilityGateway.Tickets;

namespace FacilityGateway.Tests.Tickets;

public sealed class ResponseTargetTests
{
    private static readonly TimeZoneInfo London = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("2026-11-27T16:00:00Z", "2026-11-30T17:00:00Z")] // Friday afternoon in London (GMT): Monday 17:00
    [InlineData("2026-11-25T23:30:00Z", "2026-11-26T17:00:00Z")] // Wednesday night: Thursday 17:00
    [InlineData("2026-06-05T10:00:00Z", "2026-06-08T16:00:00Z")] // Friday in summer (BST): Monday 17:00 local = 16:00Z
    public void P2_IsDueByTheEndOfTheNextBusinessDay_AtTheSite(string opened, string due) =>
        Assert.Equal(At(due), ResponseTargets.DueBy(AlarmPriority.P2, At(opened), London));

    [Fact]
    public void P2_AtASiteFarAway_CountsItsOwnDays()
    {
        // Friday 20:00Z is already Saturday 04:00 in Shanghai: due Monday 17:00 there, 09:00Z.
        Assert.Equal(At("2026-11-30T09:00:00Z"), ResponseTargets.DueBy(AlarmPriority.P2, At("2026-11-27T20:00:00Z"), Shanghai));
    }

    [Fact]
    public void P1_P3_P4_AreFixedSpans()
    {
        var opened = At("2026-11-27T03:00:00Z");
        Assert.Equal(opened.AddHours(1), ResponseTargets.DueBy(AlarmPriority.P1, opened, London));
        Assert.Equal(opened.AddDays(5), ResponseTargets.DueBy(AlarmPriority.P3, opened, London));
        Assert.Equal(opened.AddDays(30), ResponseTargets.DueBy(AlarmPriority.P4, opened, London));
    }

    /// <summary>An example calendar of a holiday week made up on the weekends either side (调休).</summary>
    private static readonly BusinessCalendar HolidayWeek = BusinessCalendar.Of(new BusinessCalendarOptions
    {
        Holidays = ["2026-10-01..2026-10-07"],
        WorkingDays = ["2026-09-20", "2026-10-10"],
    });

    [Theory]
    [InlineData("2026-09-30T02:00:00Z", "2026-10-08T09:00:00Z")] // Wednesday before the holiday week: the Thursday after it
    [InlineData("2026-10-09T02:00:00Z", "2026-10-10T09:00:00Z")] // Friday after it: the make-up Saturday is worked
    [InlineData("2026-09-18T02:00:00Z", "2026-09-20T09:00:00Z")] // Friday: the make-up Sunday
    public void P2_FollowsTheSitesCalendar_SkippingHolidays_CountingMakeUpDays(string opened, string due) =>
        Assert.Equal(At(due), ResponseTargets.DueBy(AlarmPriority.P2, At(opened), Shanghai, HolidayWeek));

    [Theory]
    [InlineData("2026-10-01", 1)]
    [InlineData("2026-10-01..2026-10-07", 7)]
    [InlineData(" 2026-10-01 .. 2026-10-03 ", 3)]
    [InlineData("2026-10-07..2026-10-01", null)] // backwards
    [InlineData("1 October", null)]
    [InlineData("2026-01-01..2027-06-01", null)] // more than a year
    public void ACalendarEntry_IsADateOrARange(string entry, int? days) =>
        Assert.Equal(days, BusinessCalendar.Days(entry)?.Count);
}
