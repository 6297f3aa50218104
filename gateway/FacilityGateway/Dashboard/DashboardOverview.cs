using FacilityGateway.Alarms;
using FacilityGateway.Configuration;
using FacilityGateway.Readings;
using FacilityGateway.Tickets;

namespace FacilityGateway.Dashboard;

/// <summary>One point as the dashboard shows it.</summary>
public sealed record DashboardPoint(string Id, string? Name, string Unit, double? Value, string? Text, string Quality, DateTimeOffset? At);

/// <summary>One device of an asset.</summary>
public sealed record DashboardDevice(string Id, string Kind, bool? Online, double? ResponseMs, IReadOnlyList<DashboardPoint> Points);

/// <summary>
/// A task of an asset's maintenance plan: when it is next due by each of its intervals, what is left until then
/// (negative: overdue), and its open ticket if it has come due.
/// </summary>
public sealed record DashboardMaintenance(string Task, double? DueRunHours, double? RunHoursLeft, long? DueStarts, long? StartsLeft, DateTimeOffset? DueAt, string? Ticket);

/// <summary>One asset of the register with its devices and, if counted, its run hours, starts and maintenance plan.</summary>
public sealed record DashboardAsset(string Id, string Name, string Type, string? Location, string? Team, double? RunHours, long? Starts, IReadOnlyList<DashboardMaintenance> Maintenance, IReadOnlyList<DashboardDevice> Devices);

/// <summary>The signed-in person and their role (viewer, technician, installer).</summary>
public sealed record DashboardMe(string Person, string Role);

/// <summary>A point the signed-in person may write, with its bounds (only those their role allows are listed).</summary>
public sealed record DashboardWritable(string Device, string Point, string? Name, string Unit, bool Binary, double? Min, double? Max, double? Step, IReadOnlyList<double>? Values, double? Value);

/// <summary>A named command of a device's profile the signed-in person may run (every point it writes is writable for their role).</summary>
public sealed record DashboardCommand(string Device, string Command);

/// <summary>Everything the page shows, in one answer of <c>GET /api/overview</c>.</summary>
public sealed record DashboardOverview(string Site, string Gateway, string Language, string TimeZone, bool History, DateTimeOffset Now, bool Actions, IReadOnlyList<DashboardAsset> Assets, IReadOnlyList<Ticket> Tickets,
    DashboardMe? Me = null, bool SignIn = false, IReadOnlyList<DashboardWritable>? Writable = null, IReadOnlyList<DashboardCommand>? Commands = null)
{
    public static DashboardOverview Build(DashboardPlan plan, ReadingSnapshot snapshot, AlarmEngine alarms, TimeProvider time, bool actions, DashboardMe? me = null, bool signIn = false)
    {
        var assets = new List<DashboardAsset>();
        foreach (var asset in plan.Assets)
        {
            var devices = plan.Devices.Where(d => d.Asset == asset.Id).Select(d => Device(d, snapshot)).ToList();
            var usage = !plan.CountedAssets.Contains(asset.Id) ? null : alarms.Usage(asset.Id); // a calendar-only plan counts no run hours
            assets.Add(new DashboardAsset(asset.Id, asset.Name, Configuration.Yaml.YamlBinder.EnumName(typeof(AssetType), asset.Type),
                asset.Location.ToString() is { Length: > 0 } location ? location : null, asset.Team,
                usage is { } u ? Math.Round(u.RunHours, 2) : null, usage?.Starts, Maintenance(asset.Id, alarms, usage), devices));
        }
        return new DashboardOverview(plan.Gateway.Site, plan.Gateway.Id, Configuration.Yaml.YamlBinder.EnumName(typeof(SiteLanguage), plan.Gateway.Language),
            plan.Gateway.TimeZone, plan.History.Enabled, time.GetUtcNow(), actions, assets, alarms.OpenTickets, me, signIn, WritableFor(plan, snapshot, me), CommandsFor(plan, me));
    }

    /// <summary>The named commands this person may run: those whose every step writes a point their role may write.</summary>
    private static List<DashboardCommand> CommandsFor(DashboardPlan plan, DashboardMe? me)
    {
        if (me is null || me.Role == "viewer" || plan.Control.ReadOnly)
            return [];
        return [.. plan.Devices.OfType<Sources.Writes.IWritableDevice>().SelectMany(device => device.Commands
            .Where(name => device.Command(name)!.All(step => device.Writable(step.Point) is { } point && point.Write.Roles.Contains(me.Role)))
            .Select(name => new DashboardCommand(((DeviceOptions)device).Id, name)))];
    }

    /// <summary>What this person may write: nothing for a viewer, or when nobody is signed in, or the gateway is read-only.</summary>
    private static List<DashboardWritable> WritableFor(DashboardPlan plan, ReadingSnapshot snapshot, DashboardMe? me)
    {
        if (me is null || me.Role == "viewer" || plan.Control.ReadOnly)
            return [];
        var writable = new List<DashboardWritable>();
        foreach (var device in plan.Devices)
        {
            if (device is not Sources.Writes.IWritableDevice candidates)
                continue;
            foreach (var info in device.DescribePoints())
                if (candidates.Writable(info.Id) is { } point && point.Write.Roles.Contains(me.Role))
                    writable.Add(new DashboardWritable(device.Id, point.PointId, info.Name, point.Unit, point.Binary, point.Write.Min, point.Write.Max, point.Write.Step,
                        point.Write.Values, snapshot.Get(device.Id, point.PointId) is { } r && double.IsFinite(r.Value) ? r.Value : null));
        }
        return writable;
    }

    internal static List<DashboardMaintenance> Maintenance(string assetId, AlarmEngine alarms, (double RunHours, long Starts)? usage) =>
        [.. alarms.MaintenancePlan(assetId).Select(m => new DashboardMaintenance(m.Task.Task,
            m.Next?.RunHours, m.Next?.RunHours is { } h && usage is { } u ? Math.Round(h - u.RunHours, 1) : null,
            m.Next?.Starts, m.Next?.Starts is { } s && usage is { } v ? s - v.Starts : null,
            m.Next?.At, m.Open?.Id))];

    private static DashboardDevice Device(DeviceOptions device, ReadingSnapshot snapshot)
    {
        var points = device.DescribePoints().Where(p => !p.Id.StartsWith("health.", StringComparison.Ordinal)).Select(p =>
        {
            var reading = snapshot.Get(device.Id, p.Id);
            return new DashboardPoint(p.Id, p.Name, p.Unit,
                reading is { } r && !r.Quality.IsBad() && double.IsFinite(r.Value) ? r.Value : null,
                reading?.Text, reading is { } q ? q.Quality.Name() : "waiting", reading?.SampledAt);
        }).ToList();
        var online = snapshot.Get(device.Id, "health.online");
        var response = snapshot.Get(device.Id, "health.response_time");
        return new DashboardDevice(device.Id, device.Kind, online is { } o ? o.Value == 1 : null, response?.Value, points);
    }
}
