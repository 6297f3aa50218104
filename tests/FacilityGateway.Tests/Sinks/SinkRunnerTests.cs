using System.Collections.Concurrent;
using System.Text;
using FacilityGateway.Outbox;
using FacilityGateway.Delivery;
using FacilityGateway.Sinks;
using Microsoft.Extensions.Logging.Abstractions;
using FacilityGateway.Tickets;

namespace FacilityGateway.Tests.Sinks;

/// <summary>The runner of one sink over a real outbox file: supervision, dead letters and per-record progress.</summary>
public sealed class SinkRunnerTests : IAsyncLifetime, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fg-runner-").FullName;
    private readonly AsyncSignal _committed = new();
    private readonly CancellationTokenSource _stop = new();
    private SqliteOutbox _outbox = null!;

    public Task InitializeAsync()
    {
        _outbox = new SqliteOutbox(Path.Combine(_directory, "outbox.db"), new OutboxOptions(), TimeProvider.System);
        _outbox.Committed += _committed.Pulse;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _outbox.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    public void Dispose() => _stop.Dispose();

    /// <summary>Events-lane records (flood digests) whose key is each text; "garbage" is stored as bytes no decoder takes.</summary>
    private async Task AppendAsync(params string[] texts)
    {
        foreach (string text in texts)
            await await _outbox.AppendAsync(OutboxRecordKind.FloodDigest, text == "garbage" ? Encoding.UTF8.GetBytes(text)
                : new TicketDigest("digest", text, "site", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, []).Encode(), CancellationToken.None);
    }

    /// <summary>What a record is called in these tests: a digest's key, a reading batch's device.</summary>
    private static string Label(SinkRecord record) => record switch
    {
        DigestRecord digest => digest.Digest.Key,
        TelemetryRecord telemetry => telemetry.Batch.DeviceId,
        _ => record.Key,
    };

    private SinkRunner Start(ISink sink, out Task running)
    {
        var runner = new SinkRunner(sink, _outbox, _committed, TimeProvider.System, TimeSpan.FromMilliseconds(20), NullLogger.Instance);
        running = runner.RunAsync(_stop.Token);
        return runner;
    }

    /// <summary>A sink that records what it was given and does what the test tells it for each record.</summary>
    private sealed class ScriptedSink(Func<SinkRecord, int, Exception?> onRecord) : ISink
    {
        private int _attempts;
        public ConcurrentQueue<string> Delivered { get; } = new();
        public TaskCompletionSource AllDelivered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Expected { get; init; }
        public string Name => "scripted";
        public int BatchSize => 50;
        public SinkTakes Takes => SinkTakes.All;
        public TimeSpan? Heartbeat => null;

        public Task DeliverAsync(IReadOnlyList<SinkRecord> records, CancellationToken cancellationToken)
        {
            int attempt = Interlocked.Increment(ref _attempts);
            long? through = null;
            foreach (var record in records)
            {
                if (onRecord(record, attempt) is { } failure)
                    throw failure is SinkUnavailableException unavailable ? new SinkUnavailableException(unavailable.Message, null, null, through) : failure;
                Delivered.Enqueue(Label(record));
                through = record.Id;
            }
            if (Delivered.Count >= Expected)
                AllDelivered.TrySetResult();
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    [Fact]
    public async Task SinkThatThrowsAnUnexpectedError_IsRestartedWithBackoff_AndShowsItInHealth_InsteadOfDyingSilently()
    {
        // Regression: the runner caught only SinkUnavailableException; anything else (a broker closing the connection
        // between CONNACK and SUBACK, a bug) ended it for good, and sink.<id>.online stayed 1.
        var sink = new ScriptedSink((_, attempt) => attempt <= 2 ? new InvalidOperationException("the broker closed the connection during SUBSCRIBE") : null) { Expected = 1 };
        await AppendAsync("leak");
        var runner = Start(sink, out var running);

        await sink.AllDelivered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["leak"], sink.Delivered);
        Assert.Equal(2, runner.Restarts);
        Assert.False(running.IsCompleted, "the runner keeps running");
        Assert.False(runner.Failing);
        Assert.Null(runner.LastError);
    }

    [Fact]
    public async Task RecordThatCannotBeDecoded_GoesToTheDeadLetters_AndTheRecordsAfterItAreDelivered()
    {
        // The decoding is Delivery's: the sink never sees the record that cannot be decoded.
        var sink = new ScriptedSink((_, _) => null) { Expected = 2 };
        await AppendAsync("first", "garbage", "after");
        var runner = Start(sink, out _);

        await sink.AllDelivered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["first", "after"], sink.Delivered.Distinct());
        Assert.Equal(1, runner.DeadLettered);
        Assert.Equal(1, (await _outbox.DeadLetterCountsAsync(default))["scripted"]);
        Assert.Equal([2L], await _outbox.DeadLetterIdsAsync("scripted", 0, default));

        // The installer sees it from the command line.
        string config = Path.Combine(_directory, "gateway.yaml");
        await File.WriteAllTextAsync(config, "gateway: { id: gw, site: site, data_directory: . }\n");
        var output = new StringWriter();
        Assert.Equal(0, await FacilityGateway.Cli.GatewayCommands.InvokeAsync(["outbox", "dead-letters", "--config", config], output, new StringWriter()));
        Assert.Contains("sink scripted  record 2", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("cannot be decoded", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("1 dead letter(s)", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecordTheSinkCannotSend_GoesToTheDeadLetters_AndTheRecordsAfterItAreDelivered()
    {
        // A webhook that cannot make a notification of a record says so; the runner sets that record aside.
        var sink = new ScriptedSink((record, _) => Label(record) == "no-address" ? new UndeliverableRecordException(record.Id, "cannot be made a notification") : null) { Expected = 2 };
        await AppendAsync("first", "no-address", "after");
        var runner = Start(sink, out _);

        await sink.AllDelivered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["first", "after"], sink.Delivered.Distinct());
        Assert.Equal(1, runner.DeadLettered);
        Assert.Equal([2L], await _outbox.DeadLetterIdsAsync("scripted", 0, default));
    }

    [Fact]
    public async Task BatchThatFailsHalfWay_IsRetriedFromTheFailedRecord_NotFromTheStart()
    {
        // Regression: a webhook batch retried after a failure re-paged phones for the records it had already delivered.
        int failures = 0;
        var sink = new ScriptedSink((record, _) => Label(record) == "second" && Interlocked.Increment(ref failures) == 1
            ? new SinkUnavailableException("HTTP 503") : null) { Expected = 3 };
        await AppendAsync("first", "second", "third");
        Start(sink, out _);

        await sink.AllDelivered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["first", "second", "third"], sink.Delivered);
    }

    [Fact]
    public async Task ATicketEvent_IsDeliveredAheadOfATelemetryBacklog()
    {
        var sink = new ScriptedSink((_, _) => null) { Expected = 1 };
        for (int i = 0; i < 300; i++)
            await await _outbox.AppendAsync(OutboxRecordKind.Readings, ReadingBatchCodec.Encode(new FacilityGateway.Readings.ReadingBatch($"meter-{i}", "plant", DateTimeOffset.UnixEpoch, [])), CancellationToken.None);
        await AppendAsync("P1 leak"); // after an outage: an hour of readings waits, then the leak
        Start(sink, out _);
        await sink.AllDelivered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("P1 leak", sink.Delivered.First());
    }
}
