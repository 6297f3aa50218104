using System.Globalization;
using CsvHelper;
using FacilityGateway.Dashboard.Register;
using FacilityGateway.Dashboard.Tickets;
using FacilityGateway.Tickets;

namespace FacilityGateway.Dashboard.Export;

/// <summary>
/// The register and the ticket list as CSV files (RFC 4180, written by CsvHelper), UTF-8 with a byte-order mark so
/// that a spreadsheet opens Chinese names as they are; times in the site's time zone, ISO 8601 with the offset.
/// </summary>
public static class CsvExport
{
    // A name typed by an installer may start with "=" or "+": escaped, so that a spreadsheet shows it instead of running it.
    private static readonly CsvWriterOptions Options = CsvWriterOptions.Default with { WriteByteOrderMark = true, Injection = CsvInjection.Escape };

    /// <summary>One row per asset.</summary>
    public static byte[] Register(IReadOnlyList<RegisterEntry> register, TimeZoneInfo site) => Write(csv =>
    {
        foreach (var header in (string[])["id", "name", "type", "manufacturer", "model", "serial", "location", "installed", "team", "contact", "run_hours", "starts",
            "points", "maintenance_next", "last_work_at", "last_work_by", "last_work_kind", "last_work", "tickets", "open_tickets"])
            csv.WriteField(header);
        csv.EndRecord();
        foreach (var asset in register)
        {
            var next = asset.Maintenance.Where(m => m.DueAt is not null).OrderBy(m => m.DueAt).FirstOrDefault();
            var last = asset.Work.Count > 0 ? asset.Work[0] : null;
            foreach (var field in new object?[] { asset.Id, asset.Name, asset.Type, asset.Manufacturer, asset.Model, asset.Serial, asset.Location,
                asset.Installed?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), asset.Team, asset.Contact, asset.RunHours, asset.Starts,
                string.Join("; ", asset.Points.Select(p => $"{p.Device}/{p.Point}")), next is null ? null : $"{next.Task} {Time(next.DueAt, site)}",
                Time(last?.At, site), last?.By, last?.Kind, last is null ? null : last.Note is { } note ? $"{last.What}: {note}" : last.What,
                asset.Tickets.Count, asset.Tickets.Count(t => t.State != TicketState.Closed) })
                csv.WriteField(Format(field));
            csv.EndRecord();
        }
    });

    /// <summary>One row per ticket, each step of the manual's flow with its time limit and when it happened.</summary>
    public static byte[] Tickets(IReadOnlyList<Ticket> tickets, TimeSpan followUp, TimeZoneInfo site, DateTimeOffset now) => Write(csv =>
    {
        foreach (var header in (string[])["id", "asset", "asset_name", "point", "priority", "state", "message", "value", "limit", "unit", "assigned_to", "overdue"])
            csv.WriteField(header);
        foreach (var step in TicketTimeline.Steps)
            foreach (var part in (string[])["due", "at", "by"])
                csv.WriteField($"{step}_{part}");
        csv.EndRecord();
        foreach (var ticket in tickets)
        {
            foreach (var field in new object?[] { ticket.Id, ticket.Asset.Id, ticket.Asset.Name, $"{ticket.DeviceId}/{ticket.PointId}", ticket.Priority.ToString(),
                Configuration.Yaml.YamlBinder.EnumName(typeof(TicketState), ticket.State), ticket.Message, ticket.Value, ticket.Limit, ticket.Unit, ticket.AssignedTo, ticket.Overdue })
                csv.WriteField(Format(field));
            foreach (var step in TicketTimeline.Of(ticket, followUp, now))
            {
                csv.WriteField(Time(step.Due, site));
                csv.WriteField(Time(step.At, site));
                csv.WriteField(step.At is null ? null : step.Owner);
            }
            csv.EndRecord();
        }
    });

    private static string? Time(DateTimeOffset? at, TimeZoneInfo site) =>
        at is { } t ? TimeZoneInfo.ConvertTime(t, site).ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture) : null;

    private static string? Format(object? value) => value switch
    {
        null => null,
        bool b => b ? "yes" : "no",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static byte[] Write(Action<CsvWriter> rows)
    {
        using var buffer = new MemoryStream();
        using (var csv = CsvWriter.Create(buffer, Options, leaveOpen: true))
            rows(csv);
        return buffer.ToArray();
    }
}
