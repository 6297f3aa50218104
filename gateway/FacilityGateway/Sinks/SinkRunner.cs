using FacilityGateway.Outbox;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Sinks;

/// <summary>
/// Moves one sink's cursor through the outbox: reads the records after it, delivers them, and only then moves the
/// cursor. A peer that is down is retried with capped exponential backoff (or its Retry-After); the other sinks, each
/// with its own runner and cursor, are not held back.
/// </summary>
public sealed partial class SinkRunner(ISink sink, SqliteOutbox outbox, AsyncSignal committed, TimeProvider time, TimeSpan maxBackoff, ILogger logger)
{
    private static readonly TimeSpan IdleLook = TimeSpan.FromSeconds(5);

    /// <summary>Records delivered since start.</summary>
    public long Delivered { get; private set; }

    /// <summary>The cursor: last id delivered.</summary>
    public long Cursor { get; private set; }

    /// <summary>True while the last delivery attempt failed.</summary>
    public bool Failing { get; private set; }

    public string Name => sink.Name;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Cursor = await outbox.GetCursorAsync(sink.Name, cancellationToken).ConfigureAwait(false);
        int failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var wake = committed.Next;
            var records = await outbox.ReadAfterAsync(Cursor, sink.BatchSize, cancellationToken).ConfigureAwait(false);
            if (records.Count == 0)
            {
                await WaitAsync(wake, IdleLook, cancellationToken).ConfigureAwait(false);
                continue;
            }
            try
            {
                await sink.DeliverAsync(records, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return; // stopping: the records stay in the outbox and go out after the restart
            }
            catch (SinkUnavailableException ex)
            {
                failures++;
                Failing = true;
                var delay = ex.RetryAfter ?? Backoff(failures);
                if (failures == 1 || failures % 20 == 0)
                    LogUnavailable(sink.Name, failures, delay.TotalSeconds, ex.Message);
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (failures > 0)
                LogRecovered(sink.Name, failures);
            failures = 0;
            Failing = false;
            Cursor = records[^1].Id;
            Delivered += records.Count;
            await outbox.SetCursorAsync(sink.Name, Cursor, cancellationToken).ConfigureAwait(false);
        }
    }

    private TimeSpan Backoff(int failures) =>
        TimeSpan.FromMilliseconds(Math.Min(maxBackoff.TotalMilliseconds, 500 * Math.Pow(2, Math.Min(failures - 1, 16))));

    private async Task WaitAsync(Task wake, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await wake.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sink {Sink} cannot deliver (attempt {Failures}); retrying in {Delay:F1} s: {Error}")]
    private partial void LogUnavailable(string sink, int failures, double delay, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sink {Sink} delivers again after {Failures} failed attempt(s)")]
    private partial void LogRecovered(string sink, int failures);
}
