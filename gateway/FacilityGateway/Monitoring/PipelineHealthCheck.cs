using FacilityGateway.Outbox;
using FacilityGateway.Readings;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FacilityGateway.Monitoring;

/// <summary>
/// Live: the pipeline moves. The outbox thread takes a no-op from its queue within its limit, and no
/// batch of readings has waited for the pipeline longer than its limit (<see cref="Limits"/>). A stuck outbox thread (a
/// hung SD card) or a hung stage fails it; so <c>/healthz</c> says 503 and the systemd watchdog is not petted, and
/// systemd restarts the gateway. An idle pipeline (nothing to poll) is healthy.
/// </summary>
public sealed class PipelineHealthCheck(OutboxService outbox, ReadingPipeline pipeline, TimeProvider time, PipelineHealthCheck.Limits? limits = null) : IHealthCheck
{
    /// <summary>The tag of the checks <c>/healthz</c> and the watchdog ask.</summary>
    public const string Tag = "live";

    /// <summary>How long the outbox thread may take to run a no-op, and a batch may wait for the pipeline.</summary>
    public sealed record Limits(TimeSpan Outbox, TimeSpan Pipeline)
    {
        /// <summary>15 s and 30 s: an SD card's slow commit passes, a hung one does not.</summary>
        public static Limits Default { get; } = new(TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30));
    }

    private readonly Limits _limits = limits ?? Limits.Default;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!outbox.Opened.IsCompleted)
            return HealthCheckResult.Unhealthy("the outbox is not open yet");
        var stalled = pipeline.Stalled;
        if (stalled > _limits.Pipeline)
            return HealthCheckResult.Unhealthy($"readings have waited {stalled.TotalSeconds:F0} s for the pipeline (limit {_limits.Pipeline.TotalSeconds:F0} s)");
        try
        {
            await outbox.Outbox.PingAsync(cancellationToken).WaitAsync(_limits.Outbox, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"the outbox thread did not answer within {_limits.Outbox.TotalSeconds:F1} s");
        }
        catch (ObjectDisposedException)
        {
            return HealthCheckResult.Unhealthy("the outbox is closed");
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            return HealthCheckResult.Unhealthy("the outbox is closed");
        }
        return HealthCheckResult.Healthy("the outbox thread and the reading pipeline move");
    }
}
