using FacilityGateway.Alarms;
using FacilityGateway.Outbox;
using FacilityGateway.Readings;
using Microsoft.Extensions.Time.Testing;
using FacilityGateway.Tickets;

namespace FacilityGateway.Tests.Alarms;

/// <summary>A full disk: alarms and tickets go on in memory, and are stored, in order, once there is room again.</summary>
public sealed class StorageFullTests : IAsyncLifetime, IAsyncDisposable
{
    private readonly AlarmBench _bench = new() { MaxPageCount = 40 };
    private FakeTimeProvider Time => _bench.Time;

    // xUnit v2 disposes a test class through IAsyncLifetime only (IAsyncDisposable alone left the bench's folder behind).
    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public ValueTask DisposeAsync() => _bench.DisposeAsync();

    private const string Yaml = AlarmBench.LeakYaml;

    private ReadingBatch Wet() => _bench.Wet();

    [Fact]
    public async Task DiskFull_TheTicketLivesInMemory_NoCrash_AndIsStoredWhenThereIsRoom()
    {
        var engine = await _bench.StartAsync(Yaml);
        await _bench.Outbox.GetCursorAsync("mqtt", default); // a sink, whose cursor frees room later
        await _bench.FillOutboxAsync(); // the capped file full, to the last byte

        await engine.ConsumeAsync(Wet(), default); // does not throw
        var ticket = Assert.Single(engine.OpenTickets);
        Assert.Equal(1, engine.Unsaved);
        await engine.TickAsync(default);
        Assert.Equal(1, engine.Unsaved); // still no room

        // Room again: the sinks took the telemetry and it was pruned; the next tick stores the waiting change.
        await _bench.Outbox.SetCursorAsync("mqtt", _bench.Outbox.LastId, default);
        await _bench.Outbox.PruneAsync(["mqtt"], default);
        await engine.TickAsync(default);
        Assert.Equal(0, engine.Unsaved);
        var stored = (await _bench.Outbox.ReadAfterAsync(0, 1000, default)).Where(r => r.Kind == OutboxRecordKind.TicketChange).Select(r => TicketEvent.Decode(r.Payload)).ToList();
        Assert.Equal([(ticket.Id, "opened")], stored.Select(e => (e.Ticket.Id, e.Event)));

        // And it survives a restart: stored means stored.
        await _bench.StopAsync();
        engine = await _bench.StartAsync(Yaml);
        await engine.ConsumeAsync(Wet(), default);
        Assert.Equal(ticket.Id, Assert.Single(engine.OpenTickets).Id);
    }

    [Fact]
    public async Task ReadOnlyStorage_TheLeakIsRaisedInMemory_NoCrash_AndStoredWhenWritesAreTakenAgain()
    {
        // Regression: only SQLITE_FULL and SQLITE_IOERR were storage failures; a read-only file system (SQLITE_READONLY,
        // an SD card remounted read-only after errors) escaped the outbox thread and ended the process.
        var engine = await _bench.StartAsync(Yaml);
        await _bench.Outbox.SimulateReadOnlyAsync(true);
        var telemetry = await _bench.Outbox.AppendAsync(OutboxRecordKind.Readings, [1], default);
        await Assert.ThrowsAsync<OutboxFullException>(() => telemetry);
        Assert.NotNull(_bench.Outbox.StorageFailure);

        await engine.ConsumeAsync(Wet(), default); // does not throw
        var ticket = Assert.Single(engine.OpenTickets);
        Assert.Equal(1, engine.Unsaved);

        await _bench.Outbox.SimulateReadOnlyAsync(false);
        await engine.TickAsync(default);
        Assert.Equal(0, engine.Unsaved);
        Assert.Null(_bench.Outbox.StorageFailure);
        var stored = (await _bench.Outbox.ReadAfterAsync(0, 1000, default)).Where(r => r.Kind == OutboxRecordKind.TicketChange).Select(r => TicketEvent.Decode(r.Payload)).ToList();
        Assert.Equal([(ticket.Id, "opened")], stored.Select(e => (e.Ticket.Id, e.Event)));
    }
}
