using FacilityGateway.Alarms;
using FacilityGateway.Configuration;
using FacilityGateway.Outbox;
using FacilityGateway.Readings;
using FacilityGateway.Sources.Modbus;
using FacilityGateway.Tickets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FacilityGateway.Tests.Alarms;

/// <summary>The engine with a real outbox file and time driven by FakeTimeProvider (nothing sleeps).</summary>
public sealed class AlarmEngineTests : IAsyncLifetime, IAsyncDisposable
{
    private readonly AlarmBench _bench = new();
    private FakeTimeProvider Time => _bench.Time;

    // xUnit v2 disposes a test class through IAsyncLifetime only (IAsyncDisposable alone left the bench's folder behind).
    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public ValueTask DisposeAsync() => _bench.DisposeAsync();

    private const string Yaml = """
            gateway: { id: gw, site: site }
            assets:
              - { id: tank-room, name: Tank room leak zone, type: leak_zone, team: Mechanical, location: { building: A, room: Tank room } }
              - { id: pump-1, name: Booster pump 1, type: pump, model: CR 10-6 }
            devices:
              - id: leak-panel
                asset: tank-room
                endpoint: tcp://127.0.0.1:1
                unit: 1
                points:
                  - { id: wet, coil: 0, alarms: [{ type: state, state: 1, latched: true, message: Water leak in the tank room }] }
                  - { id: float_switch, coil: 1, alarms: [{ type: state, state: 1, on_delay: 0s, off_delay: 0s, priority: P2, message: Sump high }] }
              - id: pump-drive
                asset: pump-1
                endpoint: tcp://127.0.0.1:2
                unit: 1
                points:
                  - { id: pressure, holding: 0, scale: 0.01, unit: bar, alarms: [{ type: high, limit: 6, deadband: 0.2, on_delay: 10s, priority: P2 }] }
            """;

    private Task<AlarmEngine> StartAsync() => _bench.StartAsync(Yaml);

    private Task RestartAsync() => _bench.StopAsync();

    private ReadingBatch Batch(string device, string point, double value, Quality quality = Quality.Good, double online = 1) =>
        new(device, device == "leak-panel" ? "tank-room" : "pump-1", Time.GetUtcNow(),
        [
            new Reading(device, point, value, null, "", quality, Time.GetUtcNow()),
            new Reading(device, "health.online", online, null, "", Quality.Good, Time.GetUtcNow()),
        ]);

    private async Task<List<TicketEvent>> EventsAsync() =>
        [.. (await _bench.Outbox.ReadAfterAsync(0, 10_000, default)).Where(r => r.Kind == OutboxRecordKind.TicketChange).Select(r => TicketEvent.Decode(r.Payload))];

    private async Task FeedAsync(AlarmEngine engine, Func<ReadingBatch> batch, int seconds)
    {
        for (int s = 0; s < seconds; s++)
        {
            await engine.ConsumeAsync(batch(), default);
            Time.Advance(TimeSpan.FromSeconds(1));
        }
    }

    [Fact]
    public async Task Leak_OpensOneP1Ticket_WithTheAssetFromTheRegister_AndStaysLatched()
    {
        var engine = await StartAsync();
        await FeedAsync(engine, () => Batch("leak-panel", "wet", 0), 3);
        await FeedAsync(engine, () => Batch("leak-panel", "wet", 1), 20);
        await FeedAsync(engine, () => Batch("leak-panel", "wet", 0), 60);

        var ticket = Assert.Single(engine.OpenTickets);
        Assert.Equal((AlarmPriority.P1, "Tank room leak zone", "Water leak in the tank room", "site"), (ticket.Priority, ticket.Asset.Name, ticket.Message, ticket.Site));
        Assert.Equal("A / Tank room", ticket.Asset.Location);
        Assert.Equal(ticket.FirstAt.AddHours(1), ticket.RespondBy);
        Assert.True(ticket.ConditionActive); // latched until reset
        var events = await EventsAsync();
        Assert.Equal(["opened"], events.Select(e => e.Event));
        Assert.Equal($"{ticket.Id}#1", events[0].Key);
    }

    [Fact]
    public async Task CommLoss_GivesOneTicket_AndSuppressesTheDevicesValueAlarms()
    {
        var engine = await StartAsync();
        // The drive stops answering: bad values, health.online 0; then its pressure "reads" high garbage before recovery.
        await FeedAsync(engine, () => Batch("pump-drive", "pressure", double.NaN, Quality.BadCommFailure, online: 0), 30);
        await FeedAsync(engine, () => Batch("pump-drive", "pressure", 9, Quality.Good, online: 0), 30);
        var ticket = Assert.Single(engine.OpenTickets);
        Assert.Equal(AlarmRule.CommLossId("pump-drive"), ticket.RuleId);
        Assert.Equal(AlarmPriority.P2, ticket.Priority);
        Assert.True(engine.State("pump-drive/pressure/high")!.Suppressed);
    }

    [Fact]
    public async Task Acknowledge_IsRecordedWithWhoAndWhy_AndNotifiedAgain()
    {
        var engine = await StartAsync();
        await FeedAsync(engine, () => Batch("pump-drive", "pressure", 7), 15);
        var ticket = Assert.Single(engine.OpenTickets);
        Assert.True(await engine.ExecuteAsync(new TicketCommand(TicketAction.Ack, ticket.Id, "alice", "on my way"), default));
        ticket = Assert.Single(engine.OpenTickets);
        Assert.Equal(TicketState.Acknowledged, ticket.State);
        Assert.Contains(ticket.Audit, a => a.Action == "ack" && a.By == "alice" && a.Note == "on my way");
        Assert.Equal(AlarmCondition.ActiveAcknowledged, engine.State(ticket.RuleId)!.Condition);
        Assert.Equal(["opened", "ack"], (await EventsAsync()).Select(e => e.Event));
        Assert.False(await engine.ExecuteAsync(new TicketCommand(TicketAction.Shelve, ticket.Id, "bob", null, TimeSpan.FromHours(2)), default)); // no reason
        Assert.False(await engine.ExecuteAsync(new TicketCommand(TicketAction.Shelve, ticket.Id, "bob", "valve work", TimeSpan.FromHours(25)), default)); // over 24 h
    }

    [Fact]
    public async Task Chatter_ThreeActivationsInAMinute_StopPaging_AndOpenOneInstrumentTicket()
    {
        var engine = await StartAsync();
        for (int i = 0; i < 10; i++) // the float switch flickers every 2 s
        {
            await engine.ConsumeAsync(Batch("leak-panel", "float_switch", i % 2 == 0 ? 1 : 0), default);
            Time.Advance(TimeSpan.FromSeconds(2));
        }
        var tickets = engine.OpenTickets;
        Assert.Equal(2, tickets.Count);
        var alarm = Assert.Single(tickets, t => t.RuleId == "leak-panel/float_switch/state");
        var instrument = Assert.Single(tickets, t => t.RuleId == "leak-panel/float_switch/state/chatter");
        Assert.Equal(AlarmPriority.P4, instrument.Priority);
        Assert.Equal(2, alarm.Occurrences); // paged twice, then silenced
        Assert.True(engine.State("leak-panel/float_switch/state")!.Chattering);
        int events = (await EventsAsync()).Count;

        for (int i = 0; i < 10; i++)
        {
            await engine.ConsumeAsync(Batch("leak-panel", "float_switch", i % 2 == 0 ? 1 : 0), default);
            Time.Advance(TimeSpan.FromSeconds(2));
        }
        Assert.Equal(events, (await EventsAsync()).Count); // no more paging while it chatters

        Assert.True(await engine.ExecuteAsync(new TicketCommand(TicketAction.Resolve, instrument.Id, "sam", "float switch cleaned"), default));
        Assert.False(engine.State("leak-panel/float_switch/state")!.Chattering);
    }

    [Fact]
    public async Task Restart_AnAlarmStillActive_StaysSilent_AndNoTicketIsDuplicated()
    {
        var engine = await StartAsync();
        await FeedAsync(engine, () => Batch("pump-drive", "pressure", 7), 15);
        Assert.Single(engine.OpenTickets);
        await RestartAsync();

        var again = await StartAsync();
        await FeedAsync(again, () => Batch("pump-drive", "pressure", 7), 30);
        Assert.Single(again.OpenTickets);
        Assert.Equal(["opened"], (await EventsAsync()).Select(e => e.Event));
    }

    [Fact]
    public async Task Recurrence_WithinTheReopenWindow_CountsOnTheSameTicket()
    {
        var engine = await StartAsync();
        await FeedAsync(engine, () => Batch("pump-drive", "pressure", 7), 15);
        await FeedAsync(engine, () => Batch("pump-drive", "pressure", 5), 40);
        await FeedAsync(engine, () => Batch("pump-drive", "pressure", 7), 15);
        var ticket = Assert.Single(engine.OpenTickets);
        Assert.Equal(2, ticket.Occurrences);
        Assert.Equal(["opened", "cleared", "recurred"], (await EventsAsync()).Select(e => e.Event));
    }
}
