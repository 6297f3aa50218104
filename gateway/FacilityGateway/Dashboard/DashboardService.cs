using FacilityGateway.Alarms;
using FacilityGateway.Configuration;
using FacilityGateway.Readings;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using FacilityGateway.Tickets;

namespace FacilityGateway.Dashboard;

/// <summary>
/// Serves the dashboard with ASP.NET Core (Kestrel, minimal APIs) beside the worker when <c>dashboard.enabled</c>: a
/// page of the plant's live readings by asset and its open tickets, refreshed every 2 seconds, on which a technician
/// with the action token can acknowledge, start and resolve tickets. It reads the in-process snapshot and the alarm
/// engine; it never talks to a device.
/// </summary>
public sealed partial class DashboardService(DashboardPlan plan, ReadingSnapshot snapshot, AlarmEngine alarms, Commands.CommandService commands, History.TrendHistory history, TimeProvider time, ILogger<DashboardService> logger)
    : IHostedService, IAsyncDisposable
{
    private readonly Web.LocalWebServer _server = new();

    /// <summary>Where it listens, once started (the real port when <c>listen</c> asked for port 0).</summary>
    public Uri? Address => _server.Address;

    /// <summary>Starts the web server when enabled; when not, ASP.NET Core is never even loaded (its own method).</summary>
    public Task StartAsync(CancellationToken cancellationToken) => plan.Options.Enabled ? StartServerAsync(cancellationToken) : Task.CompletedTask;

    private async Task StartServerAsync(CancellationToken cancellationToken)
    {
        var options = plan.Options;
        var builder = Web.LocalWebServer.CreateBuilder("facility-gateway-dashboard", options.Listen,
            options.Tls is { } tls ? (tls.CertificateFile, tls.KeyFile) : null);
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = TicketEvent.Json.PropertyNamingPolicy;
            json.SerializerOptions.DefaultIgnoreCondition = TicketEvent.Json.DefaultIgnoreCondition;
            json.SerializerOptions.Encoder = TicketEvent.Json.Encoder;
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, DashboardJsonContext.Resolver);
        });
        DashboardEndpoints.AddSignIn(builder.Services);
        var app = builder.Build();
        DashboardEndpoints.Map(app, plan, snapshot, alarms, commands, history, time);
        if (await _server.StartAsync(app, cancellationToken).ConfigureAwait(false) is { } problem)
        {
            LogCannotListen(options.Listen, problem);
            return;
        }
        string mode = options.ActionToken is { Length: > 0 } ? "acknowledging with the action token" : "read-only";
        LogListening(_server.Address!, mode);
    }

    public Task StopAsync(CancellationToken cancellationToken) => _server.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    [LoggerMessage(Level = LogLevel.Error, Message = "Dashboard cannot listen on {Listen}: {Reason}. The gateway runs on without it; change dashboard.listen or free the port")]
    private partial void LogCannotListen(string listen, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dashboard on {Address} ({Mode})")]
    private partial void LogListening(Uri address, string mode);
}
