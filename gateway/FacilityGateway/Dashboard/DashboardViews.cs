using FacilityGateway.Alarms;
using FacilityGateway.Dashboard.Export;
using FacilityGateway.Dashboard.History;
using FacilityGateway.Dashboard.Register;
using FacilityGateway.Dashboard.Tickets;
using FacilityGateway.Tickets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace FacilityGateway.Dashboard;

/// <summary>A limit a trend draws: a point rule's threshold.</summary>
public sealed record TrendLimit(string Rule, string Type, double Limit, AlarmPriority Priority);

/// <summary>A ticket of the point, marked on its trend where it opened.</summary>
public sealed record TrendMarker(string Id, DateTimeOffset At, AlarmPriority Priority, TicketState State, string Message);

/// <summary>
/// A point's trend as <c>GET /api/trend</c> answers it: bucket starts (Unix seconds) with average, minimum and maximum
/// (null where the point had no good reading), its limits and its tickets.
/// </summary>
public sealed record TrendAnswer(string Device, string Point, string? Name, string Unit, string Range, int BucketSeconds,
    IReadOnlyList<long> Time, IReadOnlyList<float?> Average, IReadOnlyList<float?> Minimum, IReadOnlyList<float?> Maximum,
    IReadOnlyList<TrendLimit> Limits, IReadOnlyList<TrendMarker> Tickets);

/// <summary>A ticket with the five steps of the manual's flow.</summary>
public sealed record TicketWithTimeline(Ticket Ticket, IReadOnlyList<TicketStep> Steps);

/// <summary>The dashboard's views beside the live page: trends, the equipment register and the ticket list, each with its CSV.</summary>
internal static class DashboardViews
{
    /// <summary>Most tickets one answer of <c>/api/tickets</c> lists (the newest first); the CSV has them all.</summary>
    public const int TicketPage = 200;

    public static void Map(WebApplication app, DashboardPlan plan, AlarmEngine alarms, TrendHistory history, TimeProvider time)
    {
        app.MapGet("/api/trend", async (string? device, string? point, string? range, CancellationToken cancellationToken) =>
        {
            if (device is null || point is null)
                return Results.Problem("A trend needs device and point.", statusCode: StatusCodes.Status400BadRequest);
            if (!Enum.TryParse<TrendRange>(range ?? "hour", ignoreCase: true, out var span) || !Enum.IsDefined(span))
                return Results.Problem($"range '{range}' is not one of hour, day, week.", statusCode: StatusCodes.Status400BadRequest);
            if (plan.Devices.FirstOrDefault(d => d.Id == device) is not { } options || options.DescribePoints().FirstOrDefault(p => p.Id == point) is not { } info)
                return Results.Problem($"There is no point {device}/{point}.", statusCode: StatusCodes.Status404NotFound);
            if (!plan.History.Enabled)
                return Results.Problem("The trend history is off (dashboard.history.enabled).", statusCode: StatusCodes.Status404NotFound);
            TrendSeries? series;
            try
            {
                series = await history.QueryAsync(device, point, span, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return Results.Problem($"The trend history cannot be read: {ex.Message}.", statusCode: StatusCodes.Status503ServiceUnavailable);
            }
            var buckets = series?.Buckets ?? [];
            static float? Value(float v) => float.IsFinite(v) ? v : null;
            var from = time.GetUtcNow() - span.Span();
            var tickets = (await alarms.TicketHistoryAsync(cancellationToken).ConfigureAwait(false))
                .Where(t => t.DeviceId == device && t.PointId == point && t.LastAt >= from)
                .Select(t => new TrendMarker(t.Id, t.FirstAt, t.Priority, t.State, t.Message)).ToList();
            var limits = plan.Rules.PointRulesOf(device).Where(r => r.PointId == point && r.Type != AlarmRuleType.State)
                .Select(r => new TrendLimit(r.Id, Configuration.Yaml.YamlBinder.EnumName(typeof(AlarmRuleType), r.Type), r.Limit, r.Priority)).ToList();
            return DashboardJsonContext.Json(new TrendAnswer(device, point, info.Name, info.Unit, span.ToString().ToLowerInvariant(),
                (int)(series?.BucketWidth ?? (span == TrendRange.Week ? TrendTier.Quarter : TrendTier.Minute).Width).TotalSeconds,
                [.. buckets.Select(b => b.Start)], [.. buckets.Select(b => Value(b.Average))], [.. buckets.Select(b => Value(b.Minimum))], [.. buckets.Select(b => Value(b.Maximum))],
                limits, tickets));
        });
        app.MapGet("/api/register", async (CancellationToken cancellationToken) =>
            DashboardJsonContext.Json(RegisterEntry.Build(plan, alarms, await alarms.TicketHistoryAsync(cancellationToken).ConfigureAwait(false))));
        app.MapGet("/api/register.csv", async (CancellationToken cancellationToken) =>
            Csv(CsvExport.Register(RegisterEntry.Build(plan, alarms, await alarms.TicketHistoryAsync(cancellationToken).ConfigureAwait(false)), plan.Zone), "register", time));
        // The tickets the query's filter lets through, the newest first; or the 400 that says what a filter expects.
        async Task<(List<Ticket>? Tickets, IResult? Refused)> Filtered(HttpRequest request, CancellationToken cancellationToken)
        {
            var (filter, problem) = TicketFilter.Parse(key => request.Query[key].ToString());
            if (filter is null)
                return (null, Results.Problem($"{problem}.", statusCode: StatusCodes.Status400BadRequest));
            return ([.. (await alarms.TicketHistoryAsync(cancellationToken).ConfigureAwait(false)).Where(t => filter.Matches(t, plan.Zone))], null);
        }
        app.MapGet("/api/tickets", async (HttpRequest request, CancellationToken cancellationToken) =>
        {
            var (matching, refused) = await Filtered(request, cancellationToken).ConfigureAwait(false);
            if (matching is null)
                return refused!;
            var now = time.GetUtcNow();
            return DashboardJsonContext.Json(new TicketsAnswer(matching.Count, matching.Take(TicketPage).Select(t => new TicketWithTimeline(t, TicketTimeline.Of(t, plan.FollowUp, now)))));
        });
        app.MapGet("/api/tickets.csv", async (HttpRequest request, CancellationToken cancellationToken) =>
        {
            var (matching, refused) = await Filtered(request, cancellationToken).ConfigureAwait(false);
            if (matching is null)
                return refused!;
            return Csv(CsvExport.Tickets(matching, plan.FollowUp, plan.Zone, time.GetUtcNow()), "tickets", time);
        });
        foreach (var (path, resource, type) in new[]
        {
            ("/vendor/uplot.js", "FacilityGateway.Dashboard.uPlot.iife.min.js", "text/javascript; charset=utf-8"),
            ("/vendor/uplot.css", "FacilityGateway.Dashboard.uPlot.min.css", "text/css; charset=utf-8"),
        })
        {
            byte[] bytes = DashboardEndpoints.Resource(resource);
            app.MapGet(path, (HttpContext context) =>
            {
                context.Response.Headers.CacheControl = "public, max-age=86400";
                return Results.Bytes(bytes, type);
            });
        }
    }

    private static IResult Csv(byte[] bytes, string name, TimeProvider time) =>
        Results.File(bytes, "text/csv; charset=utf-8", $"{name}-{time.GetUtcNow():yyyyMMdd}.csv");
}
