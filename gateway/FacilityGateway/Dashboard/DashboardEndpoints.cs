using System.Security.Cryptography;
using System.Text;
using FacilityGateway.Alarms;
using FacilityGateway.Commands;
using FacilityGateway.Configuration;
using FacilityGateway.Readings;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using FacilityGateway.Tickets;

namespace FacilityGateway.Dashboard;

/// <summary>A technician's action from the dashboard.</summary>
public sealed record DashboardAction(string? By, string? Note);

/// <summary>A maintenance task done, from the dashboard.</summary>
public sealed record DashboardMaintenanceDone(string? Task, string? By, string? Note);

/// <summary>The dashboard's page and its JSON API (docs/DASHBOARD.md).</summary>
internal static class DashboardEndpoints
{
    /// <summary>Actions a technician may take from the dashboard; shelving and out-of-service stay with the command line.</summary>
    private static readonly HashSet<TicketAction> Actions = [TicketAction.Ack, TicketAction.Start, TicketAction.Resolve, TicketAction.Reset];

    public static void Map(WebApplication app, GatewayConfig config, ReadingSnapshot snapshot, AlarmEngine alarms, CommandService commands, TimeProvider time)
    {
        byte[] page = LoadPage();
        string? token = config.Dashboard().ActionToken is { Length: > 0 } t ? t : null;

        app.MapGet("/", () => Results.Bytes(page, "text/html; charset=utf-8"));
        app.MapGet("/api/overview", () => Results.Json(DashboardOverview.Build(config, snapshot, alarms, time, actions: token is not null)));
        app.MapPost("/api/tickets/{id}/{action}", async (string id, string action, DashboardAction? body, HttpRequest request, CancellationToken cancellationToken) =>
        {
            if (Refused(request, token, body?.By) is { } refused)
                return refused;
            if (!TicketActions.TryParse(action, out var ticketAction) || !Actions.Contains(ticketAction))
                return Results.Problem($"'{action}' is not an action of the dashboard (ack, start, resolve, reset).", statusCode: StatusCodes.Status400BadRequest);
            var command = new TicketCommand(ticketAction, id, body!.By!.Trim(), Trimmed(body.Note));
            return Answer(await commands.TicketAsync(command, "dashboard", cancellationToken).ConfigureAwait(false));
        });
        app.MapPost("/api/assets/{id}/maintenance/done", async (string id, DashboardMaintenanceDone? body, HttpRequest request, CancellationToken cancellationToken) =>
        {
            if (Refused(request, token, body?.By) is { } refused)
                return refused;
            return Answer(await commands.MaintenanceDoneAsync(id, body!.Task ?? "", body.By!.Trim(), Trimmed(body.Note), "dashboard", cancellationToken).ConfigureAwait(false));
        });
    }

    /// <summary>204 once the action is stored; 409 when it does not apply; 503 when the gateway could not store it.</summary>
    private static IResult Answer(CommandResult result) => result.Outcome switch
    {
        CommandOutcome.Done => Results.NoContent(),
        CommandOutcome.NotApplicable => Results.Problem(Sentence(result.Message), statusCode: StatusCodes.Status409Conflict),
        CommandOutcome.NotStored => Results.Problem($"The gateway could not store this action, so it was not done: {result.Message}. Free space on its disk, then try again.", statusCode: StatusCodes.Status503ServiceUnavailable),
        _ => Results.Problem(Sentence(result.Message), statusCode: StatusCodes.Status400BadRequest),
    };

    private static string Sentence(string text) => text.Length == 0 ? text : $"{char.ToUpperInvariant(text[0])}{text[1..]}.";

    /// <summary>Why an action is refused (read-only dashboard, wrong token, no name), or null.</summary>
    private static IResult? Refused(HttpRequest request, string? token, string? by)
    {
        if (token is null)
            return Results.Problem("This dashboard is read-only: set dashboard.action_token to act from it.", statusCode: StatusCodes.Status403Forbidden);
        if (!Authorized(request, token))
            return Results.Problem("Wrong or missing action token.", statusCode: StatusCodes.Status401Unauthorized);
        if (string.IsNullOrWhiteSpace(by))
            return Results.Problem("Say who you are ('by').", statusCode: StatusCodes.Status400BadRequest);
        return null;
    }

    private static string? Trimmed(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    /// <summary><c>Authorization: Bearer {token}</c>, compared in constant time.</summary>
    private static bool Authorized(HttpRequest request, string token)
    {
        string header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
            return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim()), Encoding.UTF8.GetBytes(token));
    }

    private static byte[] LoadPage()
    {
        using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("FacilityGateway.Dashboard.index.html")
            ?? throw new InvalidOperationException("The dashboard page is not embedded in the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
