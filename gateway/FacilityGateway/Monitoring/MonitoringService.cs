using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace FacilityGateway.Monitoring;

/// <summary>
/// Serves <c>/metrics</c> (OpenTelemetry's Prometheus exporter over the gateway's System.Diagnostics.Metrics
/// instruments and .NET's <c>System.Runtime</c> meter), <c>/healthz</c> and <c>/readyz</c> with Kestrel when
/// <c>monitoring.enabled</c>. When it is not, neither Kestrel nor OpenTelemetry is loaded.
/// </summary>
public sealed partial class MonitoringService(MonitoringPlan plan, HealthCheckService health, IServiceProvider services, ILogger<MonitoringService> logger)
    : IHostedService, IAsyncDisposable
{
    private readonly Web.LocalWebServer _server = new();

    /// <summary>Where it listens, once started (the real port when <c>listen</c> asked for port 0).</summary>
    public Uri? Address => _server.Address;

    public Task StartAsync(CancellationToken cancellationToken) => plan.Options.Enabled ? StartServerAsync(cancellationToken) : Task.CompletedTask;

    private async Task StartServerAsync(CancellationToken cancellationToken)
    {
        // The instruments observe the parts; created here, so a gateway without monitoring pays nothing for them.
        _ = services.GetRequiredService<GatewayInstruments>();
        var options = plan.Options;
        var builder = Web.LocalWebServer.CreateBuilder("facility-gateway-monitoring", options.Listen);
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(GatewayInstruments.MeterName, GatewayInstruments.MeterName + ".*", "System.Runtime")
            .AddPrometheusExporter());
        var app = builder.Build();
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/healthz", (CancellationToken ct) => ReportAsync(PipelineHealthCheck.Tag, ct));
        app.MapGet("/readyz", (CancellationToken ct) => ReportAsync(ReadinessHealthCheck.Tag, ct));
        if (await _server.StartAsync(app, cancellationToken).ConfigureAwait(false) is { } problem)
        {
            LogCannotListen(options.Listen, problem);
            return;
        }
        LogListening(_server.Address!);
    }

    private async Task<IResult> ReportAsync(string tag, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(c => c.Tags.Contains(tag), cancellationToken).ConfigureAwait(false);
        string text = string.Join('\n', report.Entries.Select(e => $"{e.Key}: {e.Value.Status}: {e.Value.Description}")) + "\n";
        return Results.Text($"{report.Status}\n{text}", "text/plain; charset=utf-8", statusCode: report.Status == HealthStatus.Healthy ? 200 : 503);
    }

    public Task StopAsync(CancellationToken cancellationToken) => _server.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    [LoggerMessage(Level = LogLevel.Error, Message = "Monitoring cannot listen on {Listen}: {Reason}. The gateway runs on without /metrics; change monitoring.listen or free the port")]
    private partial void LogCannotListen(string listen, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Monitoring on {Address}: /metrics, /healthz, /readyz")]
    private partial void LogListening(Uri address);
}
