using System.Text;
using FacilityGateway.Alarms;
using FacilityGateway.Dashboard.Export;
using FacilityGateway.Dashboard.Tickets;
using FacilityGateway.Tickets;

namespace FacilityGateway.Tests.Dashboard;

/// <summary>The ticket list's filter, a ticket's five steps of the service manual, and the CSV export.</summary>
public sealed class TicketViewsTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private static readonly DateTimeOffset Opened = new(2026, 12, 2, 23, 30, 0, TimeSpan.Zero); // 07:30 on 3 December in Shanghai

    private static Ticket Leak(params TicketAuditEntry[] audit) => new()
    {
        Id = "T-20261202-233000-0001",
        Site = "滨江花园",
        Asset = new TicketAsset("水箱间", "三号楼 水箱间", null, "三号楼 / 水箱间", null, "机电组", null),
        RuleId = "leak/probe/state",
        DeviceId = "leak",
        PointId = "probe",
        Priority = AlarmPriority.P1,
        Message = "水箱下方漏水, \"急\"\n请立即处理",
        FirstAt = Opened,
        LastAt = Opened,
        RespondBy = Opened.AddHours(1),
        ResolveBy = Opened.AddHours(4),
        AssignedTo = "li",
        State = audit.Any(a => a.Action == "resolve") ? TicketState.Resolved : audit.Any(a => a.Action == "ack") ? TicketState.Acknowledged : TicketState.Open,
        ResolvedAt = audit.FirstOrDefault(a => a.Action == "resolve")?.At,
        Audit = audit,
    };

    private static (TicketFilter? Filter, string? Problem) Parse(params (string Key, string Value)[] query) =>
        TicketFilter.Parse(key => query.FirstOrDefault(q => q.Key == key).Value);

    [Fact]
    public void TheFilter_MatchesByAssetPriorityStateDayAndWords_DaysInTheSitesTime()
    {
        var leak = Leak();
        Assert.True(Parse(("asset", "水箱间"), ("priority", "p1"), ("state", "active"), ("q", "漏水")).Filter!.Matches(leak, Shanghai));
        Assert.True(Parse(("from", "2026-12-03"), ("to", "2026-12-03")).Filter!.Matches(leak, Shanghai)); // 3 December there, 2 December in UTC
        Assert.False(Parse(("to", "2026-12-02")).Filter!.Matches(leak, Shanghai));
        Assert.False(Parse(("priority", "P2")).Filter!.Matches(leak, Shanghai));
        Assert.False(Parse(("state", "closed")).Filter!.Matches(leak, Shanghai));
        Assert.False(Parse(("q", "boiler")).Filter!.Matches(leak, Shanghai));
        Assert.True(Parse(("q", "t-20261202")).Filter!.Matches(leak, Shanghai)); // the id, any case
    }

    [Theory]
    [InlineData("priority", "P9", "priority 'P9' is not one of P1, P2, P3, P4")]
    [InlineData("state", "done", "state 'done' is not one of active, open, acknowledged, in_progress, resolved, closed")]
    [InlineData("from", "3/12/2026", "from '3/12/2026' is not a date like 2026-12-03")]
    public void AFilterThatCannotBeRead_SaysWhatItExpects(string key, string value, string problem) =>
        Assert.Equal((null, problem), Parse((key, value)));

    [Fact]
    public void TheTimeline_GivesEachStepItsLimitOwnerAndTime_AndMarksALateOne()
    {
        var acked = Leak(new TicketAuditEntry(Opened.AddMinutes(75), "ack", "wang", null)); // 15 minutes past the 1 h response target
        var steps = TicketTimeline.Of(acked, TimeSpan.FromHours(24), Opened.AddHours(2));
        Assert.Equal(TicketTimeline.Steps, steps.Select(s => s.Step));
        var verified = steps[1];
        Assert.Equal((Opened.AddHours(1), "wang", Opened.AddMinutes(75), true), (verified.Due, verified.Owner, verified.At, verified.Overdue));
        Assert.Null(steps[3].At);
        Assert.False(steps[3].Overdue); // 2 h of the 4 h resolve target
        Assert.True(TicketTimeline.Of(acked, TimeSpan.FromHours(24), Opened.AddHours(5))[3].Overdue); // past it, unresolved
    }

    [Fact]
    public void ATicketResolvedWithoutAnAcknowledgement_IsVerifiedWhenItWasFirstActedOn_AndIsNotLate()
    {
        var resolved = Leak(new TicketAuditEntry(Opened.AddMinutes(30), "resolve", "li", "更换密封圈"));
        var steps = TicketTimeline.Of(resolved, TimeSpan.FromHours(24), Opened.AddDays(3));
        Assert.All(steps.Take(4), s => Assert.Equal(Opened.AddMinutes(30) is var at && s.Step == "logged" ? Opened : at, s.At));
        Assert.All(steps, s => Assert.False(s.Overdue));
        Assert.Equal(("li", Opened.AddMinutes(30).AddHours(24)), (steps[3].Owner, steps[4].Due!.Value));
    }

    [Fact]
    public void TheTicketCsv_QuotesCommasQuotesAndNewlines_StartsWithAByteOrderMark_AndHasEachStep()
    {
        byte[] csv = CsvExport.Tickets([Leak(new TicketAuditEntry(Opened.AddMinutes(10), "ack", "wang", null))], TimeSpan.FromHours(24), Shanghai, Opened.AddHours(1));
        Assert.Equal([0xEF, 0xBB, 0xBF], csv[..3]);
        string[] lines = Encoding.UTF8.GetString(csv, 3, csv.Length - 3).Split("\r\n");
        Assert.Equal("id,asset,asset_name,point,priority,state,message,value,limit,unit,assigned_to,overdue,logged_due,logged_at,logged_by,verified_due,verified_at,verified_by,"
            + "handled_due,handled_at,handled_by,reported_due,reported_at,reported_by,followed_up_due,followed_up_at,followed_up_by", lines[0]);
        Assert.StartsWith("T-20261202-233000-0001,水箱间,三号楼 水箱间,leak/probe,P1,acknowledged,\"水箱下方漏水, \"\"急\"\"\n请立即处理\",,,,li,no,"
            + "2026-12-03T07:30:00+08:00,2026-12-03T07:30:00+08:00,gateway,2026-12-03T08:30:00+08:00,2026-12-03T07:40:00+08:00,wang,", lines[1] + "\r\n" + lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void ANameThatLooksLikeAFormula_IsEscaped_SoASpreadsheetDoesNotRunIt()
    {
        var ticket = Leak() with { Message = "=HYPERLINK(\"http://evil\")" };
        string csv = Encoding.UTF8.GetString(CsvExport.Tickets([ticket], TimeSpan.FromHours(24), Shanghai, Opened));
        Assert.DoesNotContain(",=HYPERLINK", csv, StringComparison.Ordinal);
        Assert.Contains("HYPERLINK", csv, StringComparison.Ordinal);
    }
}
