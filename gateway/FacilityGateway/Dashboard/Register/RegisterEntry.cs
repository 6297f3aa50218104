using FacilityGateway.Alarms;
using FacilityGateway.Tickets;

namespace FacilityGateway.Dashboard.Register;

/// <summary>A point of an asset as the register lists it.</summary>
public sealed record RegisterPoint(string Device, string Point, string? Name, string Unit);

/// <summary>
/// Work recorded on an asset, when, by whom, with the note: <see cref="Kind"/> <c>maintenance_done</c> (a task of the
/// plan) or <c>resolve</c> (a fault repaired); <see cref="What"/> is the ticket's message.
/// </summary>
public sealed record RegisterWork(DateTimeOffset At, string Ticket, string Kind, string What, string By, string? Note);

/// <summary>A ticket of the asset, in short.</summary>
public sealed record RegisterTicket(string Id, AlarmPriority Priority, TicketState State, DateTimeOffset FirstAt, string Message, bool Overdue);

/// <summary>
/// One asset of the equipment register as the service manual asks for it (section 3.2): manufacturer, model, serial,
/// location, install date, team and contact; its points; its maintenance plan; the work done on it; its tickets.
/// </summary>
public sealed record RegisterEntry(string Id, string Name, string Type, string? Manufacturer, string? Model, string? Serial, string? Location,
    DateOnly? Installed, string? Team, string? Contact, double? RunHours, long? Starts, IReadOnlyList<RegisterPoint> Points,
    IReadOnlyList<DashboardMaintenance> Maintenance, IReadOnlyList<RegisterWork> Work, IReadOnlyList<RegisterTicket> Tickets)
{
    /// <summary>The register, each asset with its history from <paramref name="tickets"/> (every ticket, closed ones too).</summary>
    public static IReadOnlyList<RegisterEntry> Build(DashboardPlan plan, AlarmEngine alarms, IReadOnlyList<Ticket> tickets)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(alarms);
        var byAsset = tickets.ToLookup(t => t.Asset.Id, StringComparer.Ordinal);
        return [.. plan.Assets.Select(asset =>
        {
            var usage = plan.CountedAssets.Contains(asset.Id) ? alarms.Usage(asset.Id) : null;
            var points = plan.Devices.Where(d => d.Asset == asset.Id)
                .SelectMany(d => d.DescribePoints().Where(p => !p.Id.StartsWith("health.", StringComparison.Ordinal)).Select(p => new RegisterPoint(d.Id, p.Id, p.Name, p.Unit)))
                .ToList();
            var own = byAsset[asset.Id].ToList();
            var work = own.SelectMany(t => t.Audit.Where(a => a.Action is "maintenance_done" or "resolve")
                    .Select(a => new RegisterWork(a.At, t.Id, a.Action, t.Message, a.By, a.Note)))
                .OrderByDescending(w => w.At).ToList();
            return new RegisterEntry(asset.Id, asset.Name, Configuration.Yaml.YamlBinder.EnumName(typeof(Configuration.AssetType), asset.Type),
                asset.Manufacturer, asset.Model, asset.Serial, asset.Location.ToString() is { Length: > 0 } location ? location : null,
                asset.Installed, asset.Team, asset.Contact, usage is { } u ? Math.Round(u.RunHours, 2) : null, usage?.Starts, points,
                DashboardOverview.Maintenance(asset.Id, alarms, usage), work,
                [.. own.Select(t => new RegisterTicket(t.Id, t.Priority, t.State, t.FirstAt, t.Message, t.Overdue))]);
        })];
    }
}
