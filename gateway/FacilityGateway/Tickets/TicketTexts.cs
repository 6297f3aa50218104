using System.Globalization;
using FacilityGateway.Configuration;

namespace FacilityGateway.Tickets;

/// <summary>
/// What the gateway writes itself on tickets and notifications, in the site's language (<c>gateway.language</c>): the
/// messages of the alarms it makes up (communication lost, maintenance due and done, dry run, lighting schedule), the
/// ntfy title and body of a ticket event, and the flood digest. What installers write (a rule's <c>message:</c>, asset
/// names) is shown as they wrote it. Times are the site's local time. Kept as two plain tables rather than resource
/// files: two languages, a few dozen lines, and a compiler that checks every text has its arguments.
/// </summary>
public sealed class TicketTexts
{
    private readonly SiteLanguage _language;
    private readonly TimeZoneInfo _zone;

    private TicketTexts(SiteLanguage language, TimeZoneInfo zone) => (_language, _zone) = (language, zone);

    /// <summary>The texts for <paramref name="language"/>, times in <paramref name="zone"/> (UTC when none is given).</summary>
    public static TicketTexts For(SiteLanguage language, TimeZoneInfo? zone = null) => new(language, zone ?? TimeZoneInfo.Utc);

    private bool Zh => _language == SiteLanguage.Zh;

    /// <summary>A device's communication-loss alarm.</summary>
    public string CommunicationLost(string deviceId) =>
        Zh ? $"设备 {deviceId} 无应答（通讯中断）" : $"Device {deviceId} does not answer (communication lost)";

    /// <summary>A maintenance task that came due, with why.</summary>
    public string MaintenanceCameDue(string task, string reasons) => Zh ? $"维保到期：{task}（{reasons}）" : $"Maintenance due: {task} ({reasons})";

    /// <summary>The audit note of a task due again before it was done.</summary>
    public string DueAgain(string reasons) => Zh ? $"再次到期：{reasons}" : $"due again: {reasons}";

    /// <summary>A maintenance task recorded as done.</summary>
    public string MaintenanceDone(string task) => Zh ? $"维保完成：{task}" : $"Maintenance done: {task}";

    /// <summary>Why a task is due: its run hours.</summary>
    public string RunHoursReason(double runHours, double every) => Zh
        ? string.Create(CultureInfo.InvariantCulture, $"已运行 {runHours:0} 小时（每 {every:0} 小时）")
        : string.Create(CultureInfo.InvariantCulture, $"{runHours:0} run hours (every {every:0})");

    /// <summary>Why a task is due: its starts.</summary>
    public string StartsReason(long starts, long every) => Zh ? $"已启动 {starts} 次（每 {every} 次）" : $"{starts} starts (every {every})";

    /// <summary>Why a task is due: its calendar interval (written as in the YAML, 90d).</summary>
    public string CalendarReason(TimeSpan every) => Zh ? $"每 {Configuration.Yaml.Durations.Format(every)}" : $"every {Configuration.Yaml.Durations.Format(every)}";

    /// <summary>How reasons are joined.</summary>
    public string Join(IEnumerable<string> reasons) => string.Join(Zh ? "，" : ", ", reasons);

    /// <summary>A pump's dry-run alarm, when the installer wrote no message.</summary>
    public string DryRun(string asset, bool byFlow) => Zh
        ? $"{asset} 干转：运行中{(byFlow ? "无流量" : "功率过低")}"
        : $"{asset} is running dry: {(byFlow ? "no flow" : "low power")} while it runs";

    /// <summary>A lighting circuit dark during its schedule.</summary>
    public string LightingDark(string asset, bool byCurrent) => Zh
        ? $"{asset} 在计划时段内{(byCurrent ? "无电流" : "未亮")}（灯具、断路器或接触器故障）"
        : $"{asset} {(byCurrent ? "draws no current" : "is off")} during its schedule (lamps, breaker or contactor failed)";

    /// <summary>A lighting circuit lit outside its schedule.</summary>
    public string LightingLit(string asset) => Zh
        ? $"{asset} 在计划时段外亮灯（接触器粘连或时控开关不同步）"
        : $"{asset} is lit outside its schedule (contactor stuck or time switch out of step)";

    /// <summary>An event's name as a person reads it.</summary>
    public string Event(string name) => !Zh ? name : name switch
    {
        "opened" => "新报警",
        "recurred" => "再次发生",
        "escalated" => "已升级",
        "reminder" => "提醒",
        "realarm" => "再次报警",
        "overdue" => "已超时",
        "cleared" => "报警已消除",
        "closed" => "已关闭",
        "maintenance_due" => "维保到期",
        "ack" => "已确认",
        "start" => "开始处理",
        "resolve" => "已解决",
        "shelve" => "已搁置",
        "unshelve" => "取消搁置",
        "reset" => "已复位",
        "out_of_service" => "停用",
        "in_service" => "恢复使用",
        "digest" => "报警汇总",
        _ => name,
    };

    /// <summary>A notification's title: priority, asset, event.</summary>
    public string Title(Ticket ticket, string eventName)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        return Zh ? $"{ticket.Priority} {ticket.Asset.Name}：{Event(eventName)}" : $"{ticket.Priority} {ticket.Asset.Name}: {eventName}";
    }

    /// <summary>A notification's body: what happened, where, the ticket with its targets and who has it.</summary>
    public string Body(Ticket ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        if (Zh)
            return $"{ticket.Message}\n{ticket.Asset.Location}\n工单 {ticket.Id}，响应时限 {Time(ticket.RespondBy)}"
                + (ticket.ResolveBy is { } by ? $"，解决时限 {Time(by)}" : "") + (ticket.AssignedTo is null ? "" : $"，负责人 {ticket.AssignedTo}");
        return $"{ticket.Message}\n{ticket.Asset.Location}\nTicket {ticket.Id}, respond by {Time(ticket.RespondBy)}"
            + (ticket.ResolveBy is { } resolveBy ? $", resolve by {Time(resolveBy)}" : "") + (ticket.AssignedTo is null ? "" : $", assigned to {ticket.AssignedTo}");
    }

    /// <summary>A flood digest's title.</summary>
    public string DigestTitle(string site, int notifications) =>
        Zh ? $"{site} 报警泛滥：{notifications} 条通知" : $"Alarm flood at {site}: {notifications} notifications";

    /// <summary>One line of a flood digest.</summary>
    public string DigestLine(AlarmPriority priority, string asset, string eventName, string message, string ticket) =>
        Zh ? $"{priority} {asset}：{Event(eventName)}：{message}（{ticket}）" : $"{priority} {asset}: {eventName}: {message} ({ticket})";

    /// <summary>A time as the site reads it: local, to the minute; "UTC" said when the site keeps UTC.</summary>
    private string Time(DateTimeOffset at)
    {
        string local = TimeZoneInfo.ConvertTime(at, _zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        return _zone == TimeZoneInfo.Utc || _zone.Id is "UTC" or "Etc/UTC" ? $"{local} UTC" : local;
    }
}
