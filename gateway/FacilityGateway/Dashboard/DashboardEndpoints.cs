using System.Security.Cryptography;
using System.Text;
using FacilityGateway.Alarms;
using FacilityGateway.Commands;
using FacilityGateway.Configuration;
using FacilityGateway.Readings;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using FacilityGateway.Tickets;

namespace FacilityGateway.Dashboard;

/// <summary>A sign-in: an on-call contact's id and password.</summary>
public sealed record DashboardSignIn(string? Person, string? Password);

/// <summary>A write from the dashboard, by the signed-in person.</summary>
public sealed record DashboardWrite(string? Device, string? Point, double? Value, string? Why);

/// <summary>A named command from the dashboard, by the signed-in person.</summary>
public sealed record DashboardRun(string? Device, string? Command, string? Why);

/// <summary>A technician's action from the dashboard.</summary>
public sealed record DashboardAction(string? By, string? Note);

/// <summary>A maintenance task done, from the dashboard.</summary>
public sealed record DashboardMaintenanceDone(string? Task, string? By, string? Note);

/// <summary>The dashboard's page and its JSON API (docs/DASHBOARD.md).</summary>
internal static class DashboardEndpoints
{
    /// <summary>Actions a technician may take from the dashboard; shelving and out-of-service stay with the command line.</summary>
    private static readonly HashSet<TicketAction> Actions = [TicketAction.Ack, TicketAction.Start, TicketAction.Resolve, TicketAction.Reset];

    /// <summary>Sign-in attempts a client address may make in a minute.</summary>
    public const int SignInsPerMinute = 5;

    /// <summary>Cookie sessions (HttpOnly, SameSite=Strict, 12 h sliding) and the sign-in rate limit, per client address.</summary>
    public static void AddSignIn(IServiceCollection services)
    {
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(cookie =>
        {
            cookie.Cookie.Name = "fg_session";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.ExpireTimeSpan = TimeSpan.FromHours(12);
            cookie.SlidingExpiration = true;
            // An API answers 401, it does not redirect to a login page.
            cookie.Events.OnRedirectToLogin = context => { context.Response.StatusCode = StatusCodes.Status401Unauthorized; return Task.CompletedTask; };
        });
        services.AddAuthorization();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy("signin", context => RateLimitPartition.GetFixedWindowLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = SignInsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
    }

    public static void Map(WebApplication app, DashboardPlan plan, ReadingSnapshot snapshot, AlarmEngine alarms, CommandService commands, History.TrendHistory history, TimeProvider time)
    {
        byte[] page = Resource("FacilityGateway.Dashboard.index.html");
        string? token = plan.Options.ActionToken is { Length: > 0 } t ? t : null;
        var people = new DashboardPeople(plan);
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        if (people.Enabled && !plan.Options.PublicView)
            app.Use(async (context, next) =>
            {
                // Personal sign-in without a public view: nothing of the site is shown to someone not signed in.
                var path = context.Request.Path;
                if (path.StartsWithSegments("/api") && !path.StartsWithSegments("/api/signin") && !path.StartsWithSegments("/api/signout") && Me(context) is null)
                {
                    await Results.Problem("Sign in to see this gateway.", statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(context).ConfigureAwait(false);
                    return;
                }
                await next(context).ConfigureAwait(false);
            });

        app.MapGet("/", () => Results.Bytes(page, "text/html; charset=utf-8"));
        app.MapGet("/api/overview", (HttpContext context) =>
        {
            var me = Me(context);
            return DashboardJsonContext.Json(DashboardOverview.Build(plan, snapshot, alarms, time, actions: token is not null || me is { Role: not "viewer" }, me, people.Enabled));
        });
        DashboardViews.Map(app, plan, alarms, history, time);
        app.MapPost("/api/signin", async (DashboardSignIn? body, HttpContext context) =>
        {
            if (people.SignIn(body?.Person?.Trim() ?? "", body?.Password ?? "") is not { } principal)
                return Results.Problem("Wrong name or password.", statusCode: StatusCodes.Status401Unauthorized);
            await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal).ConfigureAwait(false);
            return Results.NoContent();
        }).RequireRateLimiting("signin");
        app.MapPost("/api/signout", async (HttpContext context) =>
        {
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
            return Results.NoContent();
        });
        app.MapPost("/api/tickets/{id}/{action}", async (string id, string action, DashboardAction? body, HttpContext context, CancellationToken cancellationToken) =>
        {
            var (by, refused) = Actor(context, token, body?.By);
            if (refused is not null)
                return refused;
            if (!TicketActions.TryParse(action, out var ticketAction) || !Actions.Contains(ticketAction))
                return Results.Problem($"'{action}' is not an action of the dashboard (ack, start, resolve, reset).", statusCode: StatusCodes.Status400BadRequest);
            var command = new TicketCommand(ticketAction, id, by!, Trimmed(body?.Note));
            return Answer(await commands.TicketAsync(command, "dashboard", cancellationToken).ConfigureAwait(false));
        });
        app.MapPost("/api/assets/{id}/maintenance/done", async (string id, DashboardMaintenanceDone? body, HttpContext context, CancellationToken cancellationToken) =>
        {
            var (by, refused) = Actor(context, token, body?.By);
            if (refused is not null)
                return refused;
            return Answer(await commands.MaintenanceDoneAsync(id, body?.Task ?? "", by!, Trimmed(body?.Note), "dashboard", cancellationToken).ConfigureAwait(false));
        });
        app.MapPost("/api/writes", async (DashboardWrite? body, HttpContext context, CancellationToken cancellationToken) =>
        {
            // Writes only as a signed-in person: the shared token never names who turned a pump on.
            if (Me(context) is not { } me)
                return Results.Problem("Sign in to write: every write records who made it.", statusCode: StatusCodes.Status401Unauthorized);
            if (body?.Device is null || body.Point is null || body.Value is not { } value)
                return Results.Problem("A write needs device, point and value.", statusCode: StatusCodes.Status400BadRequest);
            var answer = await commands.WriteAsync(new Commands.Writes.WriteRequest(me.Person, body.Device, body.Point, value, Trimmed(body.Why), null), "dashboard", cancellationToken).ConfigureAwait(false);
            return answer.Result.Ok
                ? DashboardJsonContext.Json(new WriteDone(answer.Result.Message, answer.Before, answer.After))
                : Answer(answer.Result);
        });
        app.MapPost("/api/commands", async (DashboardRun? body, HttpContext context, CancellationToken cancellationToken) =>
        {
            if (Me(context) is not { } me)
                return Results.Problem("Sign in to run a command: every command records who ran it.", statusCode: StatusCodes.Status401Unauthorized);
            if (body?.Device is null || body.Command is null)
                return Results.Problem("A command needs device and command.", statusCode: StatusCodes.Status400BadRequest);
            var answer = await commands.RunAsync(me.Person, body.Device, body.Command, Trimmed(body.Why), "dashboard", cancellationToken).ConfigureAwait(false);
            return answer.Result.Ok ? DashboardJsonContext.Json(new CommandDone(answer.Result.Message)) : Answer(answer.Result);
        });
    }

    /// <summary>The signed-in person and their role, or null.</summary>
    internal static DashboardMe? Me(HttpContext context) =>
        context.User.Identity is { IsAuthenticated: true, Name: { } person }
            ? new DashboardMe(person, context.User.FindFirst(DashboardPeople.RoleClaim)?.Value ?? "viewer")
            : null;

    /// <summary>Who acts: the signed-in person (a viewer may not), else the action token's typed name; or why not.</summary>
    private static (string? By, IResult? Refused) Actor(HttpContext context, string? token, string? typed)
    {
        if (Me(context) is { } me)
            return me.Role == "viewer"
                ? (null, Results.Problem($"{me.Person} is a viewer: only technicians and installers act on tickets.", statusCode: StatusCodes.Status403Forbidden))
                : (me.Person, null);
        return Refused(context.Request, token, typed) is { } refused ? (null, refused) : (typed!.Trim(), null);
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

    /// <summary>Why an action with the shared token is refused (read-only dashboard, wrong token, no name), or null.</summary>
    private static IResult? Refused(HttpRequest request, string? token, string? by)
    {
        if (token is null)
            return Results.Problem("Sign in to act (or set dashboard.action_token).", statusCode: StatusCodes.Status403Forbidden);
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

    /// <summary>A file embedded in the assembly: the page, or the bundled chart library.</summary>
    internal static byte[] Resource(string name)
    {
        using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not embedded in the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
