using FacilityGateway.Outbox;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace FacilityGateway.Monitoring;

/// <summary>Ready: the configuration was loaded (or the process would not run), the outbox is open and every service has started; not stopping.</summary>
public sealed class ReadinessHealthCheck(OutboxService outbox, IHostApplicationLifetime lifetime) : IHealthCheck
{
    /// <summary>The tag of the checks <c>/readyz</c> asks.</summary>
    public const string Tag = "ready";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) => Task.FromResult(
        lifetime.ApplicationStopping.IsCancellationRequested ? HealthCheckResult.Unhealthy("stopping")
        : !outbox.Opened.IsCompleted ? HealthCheckResult.Unhealthy("the outbox is not open yet")
        : !lifetime.ApplicationStarted.IsCancellationRequested ? HealthCheckResult.Unhealthy("starting")
        : HealthCheckResult.Healthy("configuration loaded, outbox open, services started"));
}
