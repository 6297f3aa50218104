using FacilityGateway.Outbox;
using FacilityGateway.Sinks;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Delivery;

/// <summary>
/// Moves one sink's cursor through the outbox: reads the records after it, delivers them, and only then moves the
/// cursor. A peer that is down is retried with capped exponential backoff (or its Retry-After); the other sinks, each
/// with its own runner and cursor, are not held back.
/// The runner is supervised: an unexpected error (a bug, a peer that answers in a way nobody planned for) is logged,
/// counted, shown in health (<see cref="Failing"/>, <see cref="Restarts"/>, <see cref="LastError"/>), and the runner
/// starts again after a backoff; it never ends silently while the gateway runs. A record the sink can never send
/// (<see cref="UndeliverableRecordException"/>) is set aside as a dead letter instead of blocking the sink for ever.
/// </summary>
public sealed partial class SinkRunner(ISink sink, SqliteOutbox outbox, AsyncSignal committed, TimeProvider time, TimeSpan maxBackoff, ILogger logger,
    ReportByExceptionFilter? reportByException = null)
{
    private static readonly TimeSpan IdleLook = TimeSpan.FromSeconds(5);

    private HashSet<long> _deadLetters = [];

    /// <summary>Records delivered since start.</summary>
    public long Delivered { get; private set; }

    private readonly long[] _cursors = new long[2];

    /// <summary>The telemetry cursor: the last reading record delivered.</summary>
    public long Cursor => _cursors[(int)OutboxLane.Telemetry];

    /// <summary>The events cursor: the last ticket event or digest delivered.</summary>
    public long EventsCursor => _cursors[(int)OutboxLane.Events];

    /// <summary>True while the last delivery attempt failed, or the runner is waiting to restart after an error.</summary>
    public bool Failing { get; private set; }

    /// <summary>Delivery attempts the peer refused or did not answer since the gateway started (each is retried).</summary>
    public long Retries { get; private set; }

    /// <summary>How often the runner restarted after an unexpected error since the gateway started.</summary>
    public long Restarts { get; private set; }

    /// <summary>Records set aside as dead letters since the gateway started.</summary>
    public long DeadLettered { get; private set; }

    /// <summary>The last error, until a delivery succeeds again.</summary>
    public string? LastError { get; private set; }

    /// <summary>The unexpected error of the last restart, kept after recovery (for health and diagnosis).</summary>
    public string? LastCrash { get; private set; }

    public string Name => sink.Name;

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled, restarting after each unexpected error.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        int crashes = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await DeliverUntilStoppedAsync(() => crashes = 0, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return; // stopping: the records stay in the outbox and go out after the restart
            }
            catch (Exception ex)
            {
                crashes++;
                Restarts++;
                Failing = true;
                LastError = LastCrash = $"{ex.GetType().Name}: {ex.Message}";
                var delay = Backoff(crashes);
                LogCrashed(ex, sink.Name, Restarts, delay.TotalSeconds);
                try
                {
                    await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task DeliverUntilStoppedAsync(Action delivered, CancellationToken cancellationToken)
    {
        _cursors[(int)OutboxLane.Events] = await outbox.GetCursorAsync(sink.Name, OutboxLane.Events, cancellationToken).ConfigureAwait(false);
        _cursors[(int)OutboxLane.Telemetry] = await outbox.GetCursorAsync(sink.Name, OutboxLane.Telemetry, cancellationToken).ConfigureAwait(false);
        _deadLetters = [.. await outbox.DeadLetterIdsAsync(sink.Name, Math.Min(_cursors[0], _cursors[1]), cancellationToken).ConfigureAwait(false)];
        int failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var wake = committed.Next;
            // Events first: a page waiting behind an hour of telemetry backlog is a page an hour late.
            var lane = OutboxLane.Events;
            var read = await outbox.ReadAfterAsync(lane, _cursors[(int)lane], sink.BatchSize, cancellationToken).ConfigureAwait(false);
            if (read.Count == 0)
            {
                lane = OutboxLane.Telemetry;
                read = await outbox.ReadAfterAsync(lane, _cursors[(int)lane], sink.BatchSize, cancellationToken).ConfigureAwait(false);
            }
            if (read.Count == 0)
            {
                await WaitAsync(wake, IdleLook, cancellationToken).ConfigureAwait(false);
                continue;
            }
            var records = _deadLetters.Count == 0 ? read : [.. read.Where(r => !_deadLetters.Contains(r.Id))];
            var changes = reportByException?.Begin();
            try
            {
                var decoded = new List<SinkRecord>(records.Count);
                foreach (var record in records)
                    if (RecordDecoder.Decode(record, sink.Takes, changes) is { } taken)
                        decoded.Add(taken);
                if (decoded.Count > 0)
                    await sink.DeliverAsync(decoded, cancellationToken).ConfigureAwait(false);
                changes?.Acknowledged(); // only now do the chosen points count as sent
            }
            catch (SinkUnavailableException ex) when (!cancellationToken.IsCancellationRequested)
            {
                failures++;
                Retries++;
                Failing = true;
                LastError = ex.Message;
                if (ex.DeliveredThrough is { } through && through > _cursors[(int)lane])
                    await MoveCursorAsync(lane, through, records.Count(r => r.Id <= through), cancellationToken).ConfigureAwait(false);
                var delay = ex.RetryAfter ?? Backoff(failures);
                if (failures == 1 || failures % 20 == 0)
                    LogUnavailable(sink.Name, failures, delay.TotalSeconds, ex.Message);
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (UndeliverableRecordException ex) when (!cancellationToken.IsCancellationRequested && records.FirstOrDefault(r => r.Id == ex.RecordId) is { } record)
            {
                await outbox.DeadLetterAsync(sink.Name, record, ex.Message, cancellationToken).ConfigureAwait(false);
                _deadLetters.Add(record.Id);
                DeadLettered++;
                LogDeadLetter(sink.Name, record.Id, ex.Message);
                continue; // the same batch again without it
            }
            if (failures > 0)
                LogRecovered(sink.Name, failures);
            failures = 0;
            Failing = false;
            LastError = null;
            delivered();
            await MoveCursorAsync(lane, read[^1].Id, records.Count, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task MoveCursorAsync(OutboxLane lane, long position, int delivered, CancellationToken cancellationToken)
    {
        _cursors[(int)lane] = position;
        Delivered += delivered;
        long behind = Math.Min(_cursors[0], _cursors[1]);
        _deadLetters.RemoveWhere(id => id <= behind);
        try
        {
            await outbox.SetCursorAsync(sink.Name, lane, position, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OutboxFullException or Microsoft.Data.Sqlite.SqliteException && !cancellationToken.IsCancellationRequested)
        {
            // A full or read-only disk: delivery goes on from the cursor in memory; the stored one catches up at the next
            // move that can be written (until then nothing delivered is pruned, and a restart sends it again: harmless).
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Sink {Sink} stopped on an unexpected error (restart {Restarts}); it starts again in {Delay:F1} s")]
    private partial void LogCrashed(Exception error, string sink, long restarts, double delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sink {Sink} cannot ever send record {Id}; set aside as a dead letter ('facility-gateway outbox dead-letters' lists them): {Reason}")]
    private partial void LogDeadLetter(string sink, long id, string reason);
}
