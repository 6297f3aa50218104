using FacilityGateway.Configuration;
using FacilityGateway.Maintenance;
using FacilityGateway.Tickets;
using Microsoft.Extensions.Time.Testing;

namespace FacilityGateway.Tests.Tickets;

public sealed class TicketTextsTests
{
    [Fact]
    public void WhatTheGatewayWritesItself_IsInTheSitesLanguage()
    {
        var zh = TicketTexts.For(SiteLanguage.Zh);
        var en = TicketTexts.For(SiteLanguage.En);
        Assert.Equal("设备 水泵 无应答（通讯中断）", zh.CommunicationLost("水泵"));
        Assert.Equal("Device pump does not answer (communication lost)", en.CommunicationLost("pump"));
        Assert.Equal("维保到期：换油（已运行 1500 小时（每 1500 小时），已启动 20 次（每 20 次））",
            zh.MaintenanceCameDue("换油", zh.Join([zh.RunHoursReason(1500.2, 1500), zh.StartsReason(20, 20)])));
        Assert.Equal("Maintenance due: Change oil (1500 run hours (every 1500), 20 starts (every 20))",
            en.MaintenanceCameDue("Change oil", en.Join([en.RunHoursReason(1500.2, 1500), en.StartsReason(20, 20)])));
        Assert.Equal("已升级", zh.Event("escalated"));
        Assert.Equal("escalated", en.Event("escalated"));
        Assert.Equal("新名字", zh.Event("新名字")); // an event it does not know keeps its name
    }

    [Fact]
    public void ACalendarTask_ComesDueWithItsReason_WordedInChinese()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 0, 0, 0, TimeSpan.Zero));
        var asset = new AssetOptions { Id = "hall", Name = "大堂", Maintenance = [new MaintenanceTask { Task = "灭火器检查", Every = TimeSpan.FromDays(30) }] };
        var tracker = new UsageTracker(asset, time, TimeZoneInfo.Utc);
        var (due, next) = tracker.Plan(time.GetUtcNow());
        Assert.Empty(due);
        tracker.Saved(next!); // first sight: due 30 days from now
        time.Advance(TimeSpan.FromDays(31));
        Assert.Equal(new DueReason(Every: TimeSpan.FromDays(30)), Assert.Single(Assert.Single(tracker.Plan(time.GetUtcNow()).Due).Reasons));
        Assert.Equal("每 30d", TicketTexts.For(SiteLanguage.Zh).CalendarReason(TimeSpan.FromDays(30)));
    }
}
