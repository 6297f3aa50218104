using FacilityGateway.Outbox;
using FacilityGateway.Readings;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FacilityGateway.Monitoring;

/// <summary>
/// Live: the pipeline moves. The outbox thread takes a no-op from its queue within <see cref="OutboxLimit"/>, and no
/// batch of readings has waited for the pipeline longer than <see cref="PipelineLimit"/>. A stuck outbox thread (a
/// hung SD card) or a hung stage fails it; so <c>/healthz</c> says 503 and the systemd watchdog is not petted, and
/// systemd restarts the gateway. An idle pipeline (nothing to poll) is healthy.
/// </summary>
public sealed class PipelineHealthCheck(OutboxService outbox, ReadingPipeline pipeline, TimeProvider time) : IHealthCheck
{
    /// <summary>The tag of the checks <c>/healthz</c> and the watchdog ask.</summary>
    public const string Tag = "live";

    /// <summary>Longest the outbox thread may take to run a no-op.</summary>
    public static readonly TimeSpan OutboxLimit = TimeSpan.FromSeconds(15);

    /// <summary>Longest a batch may wait for the pipeline.</summary>
    public static readonly TimeSpan PipelineLimit = TimeSpan.FromSeconds(30);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!outbox.Opened.IsCompleted)
            return HealthCheckResult.Unhealthy("the outbox is not open yet");
        var stalled = pipeline.Stalled;
        if (stalled > PipelineLimit)
            return HealthCheckResult.Unhealthy($"readings have waited {stalled.TotalSeconds:F0} s for the pipeline (limit {PipelineLimit.TotalSeconds:F0} s)");
        try
        {
            await outbox.Outbox.PingAsync(cancellationToken).WaitAsync(OutboxLimit, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"the outbox thread did not answer within {OutboxLimit.TotalSeconds:F0} s");
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
