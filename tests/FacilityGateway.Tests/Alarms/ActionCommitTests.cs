using FacilityGateway.Alarms;
using FacilityGateway.Outbox;
using FacilityGateway.Readings;
using FacilityGateway.Tickets;

namespace FacilityGateway.Tests.Alarms;

/// <summary>A technician's action is committed exactly once, and its caller hears success only after the commit.</summary>
public sealed class ActionCommitTests : IAsyncLifetime, IAsyncDisposable
{
    private readonly AlarmBench _bench = new();

    // xUnit v2 disposes a test class through IAsyncLifetime only (IAsyncDisposable alone left the bench's folder behind).
    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public ValueTask DisposeAsync() => _bench.DisposeAsync();

    private const string Yaml = AlarmBench.LeakYaml;

    private ReadingBatch Wet() => _bench.Wet();

    private async Task<List<TicketEvent>> StoredEventsAsync() =>
        [.. (await _bench.Outbox.ReadAfterAsync(0, 1000, default)).Where(r => r.Kind == OutboxRecordKind.TicketChange).Select(r => TicketEvent.Decode(r.Payload))];

    [Fact]
    public async Task AckWhoseRequestIsAbortedDuringTheCommit_IsStoredOnce_AndKeptInMemory_NotLostThenCommittedAgain()
    {
        // Regression: the dashboard passed the request's abort token into the action; the outbox committed it anyway,
        // the engine kept it queued and committed it again on the next tick under the same idempotency key, and the ack
        // was lost in memory (the ticket ended open, then escalated).
        var engine = await _bench.StartAsync(Yaml);
        await engine.ConsumeAsync(Wet(), default);
        var ticket = Assert.Single(engine.OpenTickets);

        using var aborted = new CancellationTokenSource();
        _bench.Outbox.Committed += aborted.Cancel; // the browser goes away the moment the transaction is committed
        bool done = await engine.ExecuteAsync(new TicketCommand(TicketAction.Ack, ticket.Id, "alice"), aborted.Token);
        _bench.Outbox.Committed -= aborted.Cancel;
        await engine.TickAsync(default);

        Assert.True(done);
        Assert.Equal(TicketState.Acknowledged, Assert.Single(engine.OpenTickets).State);
        Assert.Equal(0, engine.Unsaved);
        Assert.Single(await StoredEventsAsync(), e => e.Event == "ack");
    }

    [Fact]
    public async Task AckOnAFullDisk_IsRefusedToItsCaller_AndNotDoneInMemory()
    {
        _bench.MaxPageCount = 40;
        var engine = await _bench.StartAsync(Yaml);
        await engine.ConsumeAsync(Wet(), default);
        var ticket = Assert.Single(engine.OpenTickets);
        await _bench.FillOutboxAsync(); // the capped file full, to the last byte

        await Assert.ThrowsAsync<OutboxFullException>(() => engine.ExecuteAsync(new TicketCommand(TicketAction.Ack, ticket.Id, "alice"), default));
        Assert.Equal(TicketState.Open, Assert.Single(engine.OpenTickets).State); // never acknowledged without being stored
    }

    [Fact]
    public async Task HundredCommLossTicketsInOneSecond_EachKeepsItsOwnId()
    {
        // Regression: ids carried 16 random bits per second: 100 tickets in the same second collided with 7 %
        // probability and one ticket silently replaced another.
        var devices = string.Join('\n', Enumerable.Range(0, 100).Select(i => $"  - {{ id: d{i}, asset: zone, endpoint: \"tcp://127.0.0.1:1\", unit: {i + 1}, points: [{{ id: p, holding: 0 }}] }}"));
        var engine = await _bench.StartAsync($"""
            gateway: {"{"} id: gw, site: site {"}"}
            assets: [{"{"} id: zone, name: Plant, type: other {"}"}]
            devices:
            {devices}
            """);
        var now = _bench.Time.GetUtcNow();
        for (int i = 0; i < 100; i++)
            await engine.ConsumeAsync(new ReadingBatch($"d{i}", "zone", now, [new($"d{i}", "p", double.NaN, null, "", Quality.BadCommFailure, now), new($"d{i}", "health.online", 0, null, "", Quality.Good, now)]), default);
        await engine.TickAsync(default);
        var ids = engine.OpenTickets.Select(t => t.Id).ToList();
        Assert.Equal(100, ids.Count);
        Assert.Equal(100, ids.Distinct().Count());

        // And after a restart the numbering goes on: no id is given twice.
        await _bench.StopAsync();
        engine = await _bench.StartAsync("""
            gateway: { id: gw, site: site }
            assets: [{ id: zone, name: Tank room, type: leak_zone }]
            devices:
              - { id: panel, asset: zone, endpoint: "tcp://127.0.0.1:1", unit: 1, points: [{ id: wet, coil: 0, alarms: [{ type: state, state: 1, on_delay: 0s, latched: true, priority: P1, message: Water leak }] }] }
            """);
        await engine.ConsumeAsync(Wet(), default);
        Assert.DoesNotContain(engine.OpenTickets.Single(t => t.RuleId.StartsWith("panel", StringComparison.Ordinal)).Id, ids);
    }
}
