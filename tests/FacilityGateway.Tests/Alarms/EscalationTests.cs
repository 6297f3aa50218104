using FacilityGateway.Alarms;
using FacilityGateway.Configuration;
using FacilityGateway.Outbox;
using FacilityGateway.Readings;
using FacilityGateway.Tickets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FacilityGateway.Tests.Alarms;

/// <summary>Escalation along the on-call rota, driven by FakeTimeProvider.</summary>
public sealed class EscalationTests : IAsyncLifetime, IAsyncDisposable
{
    private readonly AlarmBench _bench = new(); // 2026-11-26, a Thursday: week 46 of the rota
    private FakeTimeProvider Time => _bench.Time;

    // xUnit v2 disposes a test class through IAsyncLifetime only (IAsyncDisposable alone left the bench's folder behind).
    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public ValueTask DisposeAsync() => _bench.DisposeAsync();

    private Task<AlarmEngine> StartAsync() => _bench.StartAsync("""
            gateway: { id: gw, site: site, time_zone: Europe/London }
            assets: [{ id: tank-room, name: Tank room leak zone, type: leak_zone }]
            on_call:
              rotation_start: 2026-01-05
              primary: [alice, bob]
              secondary: [carol, dave]
              supervisor: erin
              contacts:
                alice: { name: Alice, phone: "+44 7700 900001" }
            devices:
              - id: probe
                asset: tank-room
                endpoint: tcp://127.0.0.1:1
                unit: 1
                points:
                  - { id: wet, coil: 0, alarms: [{ type: state, state: 1, on_delay: 0s, latched: true, priority: P1, message: Leak }] }
                  - { id: sump, coil: 1, alarms: [{ type: state, state: 1, on_delay: 0s, off_delay: 0s, priority: P3, realarm_after: 30m, message: Sump high }] }
            """);

    private ReadingBatch Point(string point, double value) => new("probe", "tank-room", Time.GetUtcNow(),
        [new Reading("probe", point, value, null, "", Quality.Good, Time.GetUtcNow()), new Reading("probe", "health.online", 1, null, "", Quality.Good, Time.GetUtcNow())]);

    [Fact]
    public async Task Realarm_AnAcknowledgedAlarmStillActive_PagesAgainAfterItsTime()
    {
        var engine = await StartAsync();
        await engine.ConsumeAsync(Point("sump", 1), default);
        var ticket = Assert.Single(engine.OpenTickets);
        await engine.ExecuteAsync(new TicketCommand(TicketAction.Ack, ticket.Id, "alice"), default);
        await RunMinutesAsync(engine, 29);
        Assert.Equal(TicketState.Acknowledged, Assert.Single(engine.OpenTickets).State);
        await RunMinutesAsync(engine, 2);
        ticket = Assert.Single(engine.OpenTickets);
        Assert.Equal(TicketState.Open, ticket.State);
        Assert.Contains(ticket.Audit, a => a.Action == "realarm");
        Assert.Equal(AlarmCondition.ActiveUnacknowledged, engine.State(ticket.RuleId)!.Condition);
    }

    [Fact]
    public async Task Resolved_AndNormalThroughTheFollowUp_IsClosed()
    {
        var engine = await StartAsync();
        await engine.ConsumeAsync(Point("sump", 1), default);
        var ticket = Assert.Single(engine.OpenTickets);
        await engine.ExecuteAsync(new TicketCommand(TicketAction.Ack, ticket.Id, "alice"), default);
        await engine.ConsumeAsync(Point("sump", 0), default);
        await engine.ExecuteAsync(new TicketCommand(TicketAction.Resolve, ticket.Id, "alice", "float switch freed"), default);
        await RunMinutesAsync(engine, 23 * 60);
        Assert.Equal(TicketState.Resolved, Assert.Single(engine.OpenTickets).State);
        await RunMinutesAsync(engine, 61);
        Assert.Empty(engine.OpenTickets);
    }

    [Fact]
    public async Task WallClockStep_OfAnHour_NeitherFiresNorDelaysEscalation()
    {
        var clock = new SteppedClock(Time);
        _bench.EngineTime = clock;
        var engine = await StartAsync();
        await engine.ConsumeAsync(Wet(), default);
        clock.Step = TimeSpan.FromHours(1); // the clock jumps forward an hour
        await RunMinutesAsync(engine, 9);
        Assert.Equal(0, Assert.Single(engine.OpenTickets).EscalationLevel); // not fired early
        clock.Step = TimeSpan.FromHours(-1); // and back, past where it was
        await RunMinutesAsync(engine, 1);
        Assert.Equal(1, Assert.Single(engine.OpenTickets).EscalationLevel); // not delayed
    }

    private ReadingBatch Wet() => new("probe", "tank-room", Time.GetUtcNow(),
        [new Reading("probe", "wet", 1, null, "", Quality.Good, Time.GetUtcNow()), new Reading("probe", "health.online", 1, null, "", Quality.Good, Time.GetUtcNow())]);

    private async Task RunMinutesAsync(AlarmEngine engine, int minutes)
    {
        for (int s = 0; s < minutes * 60; s += 10)
        {
            Time.Advance(TimeSpan.FromSeconds(10));
            await engine.TickAsync(default);
        }
    }

    [Fact]
    public async Task P1_Unacknowledged_PagesSecondaryAt10Minutes_SupervisorAt20()
    {
        var engine = await StartAsync();
        await engine.ConsumeAsync(Wet(), default);
        var ticket = Assert.Single(engine.OpenTickets);
        Assert.Equal(("alice", 0), (ticket.AssignedTo, ticket.EscalationLevel)); // 325 days after the start: week 46, even: the first primary

        await RunMinutesAsync(engine, 9);
        Assert.Equal(0, Assert.Single(engine.OpenTickets).EscalationLevel);
        await RunMinutesAsync(engine, 1);
        ticket = Assert.Single(engine.OpenTickets);
        Assert.Equal(("carol", 1), (ticket.AssignedTo, ticket.EscalationLevel));
        await RunMinutesAsync(engine, 10);
        ticket = Assert.Single(engine.OpenTickets);
        Assert.Equal(("erin", 2), (ticket.AssignedTo, ticket.EscalationLevel));
        Assert.Equal(2, ticket.Audit.Count(a => a.Action == "escalated"));
    }

    [Fact]
    public async Task Acknowledged_BeforeTenMinutes_NobodyElseIsPaged()
    {
        var engine = await StartAsync();
        await engine.ConsumeAsync(Wet(), default);
        await RunMinutesAsync(engine, 5);
        // Bob, not on call this week but in the building, takes it: he owns it now.
        Assert.True(await engine.ExecuteAsync(new TicketCommand(TicketAction.Ack, engine.OpenTickets[0].Id, "bob", "on my way"), default));
        await RunMinutesAsync(engine, 60);
        var ticket = Assert.Single(engine.OpenTickets);
        Assert.Equal((0, "bob"), (ticket.EscalationLevel, ticket.AssignedTo));
        Assert.DoesNotContain(ticket.Audit, a => a.Action == "escalated");
    }

    [Fact]
    public async Task Shelved_NobodyIsEscalatedTo_AndStillActiveAtExpiry_ItPagesThePrimaryAgain_ThenEscalates()
    {
        var engine = await StartAsync();
        await engine.ConsumeAsync(Wet(), default);
        var ticket = Assert.Single(engine.OpenTickets);
        Assert.True(await engine.ExecuteAsync(new TicketCommand(TicketAction.Shelve, ticket.Id, "alice", "tank being drained on purpose", TimeSpan.FromMinutes(30)), default));
        await RunMinutesAsync(engine, 29);
        ticket = Assert.Single(engine.OpenTickets);
        Assert.Equal(0, ticket.EscalationLevel); // shelved: no escalation

        await RunMinutesAsync(engine, 2); // the shelve expires, the leak is latched and still active: the primary again
        ticket = Assert.Single(engine.OpenTickets);
        Assert.Equal(("alice", 0, TicketState.Open), (ticket.AssignedTo, ticket.EscalationLevel, ticket.State));
        Assert.Contains(ticket.Audit, a => a.Action == "realarm");
        await RunMinutesAsync(engine, 8); // 9 min after the realarm at 30:00
        Assert.Equal(0, Assert.Single(engine.OpenTickets).EscalationLevel); // counted from the realarm, not from the opening
        await RunMinutesAsync(engine, 1);
        Assert.Equal(("carol", 1), (Assert.Single(engine.OpenTickets).AssignedTo, Assert.Single(engine.OpenTickets).EscalationLevel));
    }
    [Fact]
    public async Task P1_StillUnacknowledgedAfterTheSupervisor_IsPagedAgainEveryTenMinutes_UntilSomeoneAcknowledges()
    {
        var engine = await StartAsync();
        await engine.ConsumeAsync(Wet(), default);
        await engine.ConsumeAsync(Point("sump", 1), default); // a P3 beside it: never repeated
        await RunMinutesAsync(engine, 29);
        var ticket = engine.OpenTickets.Single(t => t.Priority == AlarmPriority.P1);
        Assert.DoesNotContain(ticket.Audit, a => a.Action == "reminder");
        await RunMinutesAsync(engine, 1); // 30 min: 10 after the supervisor
        ticket = engine.OpenTickets.Single(t => t.Priority == AlarmPriority.P1);
        var reminder = Assert.Single(ticket.Audit, a => a.Action == "reminder");
        Assert.Equal("not acknowledged after 30 min; paging erin again", reminder.Note);
        Assert.Equal(("erin", 2), (ticket.AssignedTo, ticket.EscalationLevel));
        await RunMinutesAsync(engine, 10);
        Assert.Equal(2, await RemindersSentAsync());
        // Reminders in a row are one audit entry, the latest, with their number: the trail stays short.
        Assert.Equal("reminder 2: not acknowledged after 40 min; paging erin again",
            Assert.Single(engine.OpenTickets.Single(t => t.Priority == AlarmPriority.P1).Audit, a => a.Action == "reminder").Note);

        Assert.True(await engine.ExecuteAsync(new TicketCommand(TicketAction.Ack, ticket.Id, "erin", "calling the plumber"), default));
        await RunMinutesAsync(engine, 60);
        Assert.Equal(2, await RemindersSentAsync());
        Assert.DoesNotContain(engine.OpenTickets.Single(t => t.Priority == AlarmPriority.P3).Audit, a => a.Action == "reminder");

        // Each reminder is a notification with its own key, as escalations are.
        var events = (await _bench.Outbox.ReadAfterAsync(0, 100_000, default)).Where(r => r.Kind == OutboxRecordKind.TicketChange)
            .Select(r => TicketEvent.Decode(r.Payload)).Where(e => e.Event == "reminder").ToList();
        Assert.Equal(2, events.Count);
        Assert.Equal(2, events.Select(e => e.Key).Distinct().Count());
    }

    [Fact]
    public async Task ClosedTickets_LeaveMemory_TheirHistoryStaysOnDisk_AndARecurrenceOpensANewOne()
    {
        // Regression: closed tickets stayed in memory for ever (a gateway running for years held every one it opened).
        var engine = await StartAsync();
        await engine.ConsumeAsync(Point("sump", 1), default);
        var ticket = Assert.Single(engine.OpenTickets);
        await engine.ConsumeAsync(Point("sump", 0), default);
        Assert.True(await engine.ExecuteAsync(new TicketCommand(TicketAction.Resolve, ticket.Id, "alice", "float switch freed"), default));
        Assert.Equal(1, engine.TicketsInMemory);
        Time.Advance(TimeSpan.FromHours(25)); // normal through the follow-up window: closed
        await engine.TickAsync(default);
        Assert.Equal(0, engine.TicketsInMemory);
        Assert.Empty(engine.OpenTickets);

        var stored = await _bench.Outbox.LoadStateAsync("ticket", default);
        Assert.Contains(stored, row => row.Key == ticket.Id && row.Json.Contains("\"closed\"", StringComparison.Ordinal));

        await engine.ConsumeAsync(Point("sump", 1), default);
        Assert.NotEqual(ticket.Id, Assert.Single(engine.OpenTickets).Id);

        await _bench.StopAsync(); // and a restart does not bring the closed one back into memory
        engine = await StartAsync();
        await engine.ConsumeAsync(Point("sump", 1), default);
        Assert.Equal(1, engine.TicketsInMemory);
    }

    [Fact]
    public async Task GatewayDownForTwoHours_AnUnacknowledgedP1_GetsOneReminderAtTheRestart_NotABurst()
    {
        var engine = await StartAsync();
        await engine.ConsumeAsync(Wet(), default);
        await RunMinutesAsync(engine, 31); // escalated twice, reminded once
        await _bench.StopAsync();
        Time.Advance(TimeSpan.FromHours(2));

        engine = await StartAsync();
        await RunMinutesAsync(engine, 5);
        Assert.Single(engine.OpenTickets);
        Assert.Equal(2, await RemindersSentAsync());
        await RunMinutesAsync(engine, 10);
        Assert.Equal(3, await RemindersSentAsync());
    }

    private async Task<int> RemindersSentAsync() =>
        (await _bench.Outbox.ReadAfterAsync(0, 100_000, default)).Where(r => r.Kind == OutboxRecordKind.TicketChange)
            .Count(r => TicketEvent.Decode(r.Payload).Event == "reminder");
    [Fact]
    public async Task NotResolvedWithinItsTarget_ATicketIsOverdueOnce_AResolvedOneNever()
    {
        var engine = await StartAsync();
        await engine.ConsumeAsync(Wet(), default);
        var leak = Assert.Single(engine.OpenTickets);
        Assert.Equal(leak.FirstAt.AddHours(4), leak.ResolveBy); // P1: 4 h
        await engine.ExecuteAsync(new TicketCommand(TicketAction.Ack, leak.Id, "alice", "on my way"), default);
        await engine.ConsumeAsync(Point("sump", 1), default);
        var sump = engine.OpenTickets.Single(t => t.Priority == AlarmPriority.P3);
        Assert.Equal(sump.FirstAt.AddDays(14), sump.ResolveBy);
        await engine.ExecuteAsync(new TicketCommand(TicketAction.Ack, sump.Id, "bob"), default);

        await RunMinutesAsync(engine, 239);
        Assert.False(engine.OpenTickets.Single(t => t.Id == leak.Id).Overdue);
        await RunMinutesAsync(engine, 2);
        leak = engine.OpenTickets.Single(t => t.Id == leak.Id);
        Assert.True(leak.Overdue);
        var overdue = Assert.Single(leak.Audit, a => a.Action == "overdue");
        Assert.Equal("not resolved by 2026-11-26 07:00 (site time); alice has it", overdue.Note);

        // Once only; and the sump, resolved in time, never.
        await engine.ExecuteAsync(new TicketCommand(TicketAction.Resolve, sump.Id, "bob", "float switch freed"), default);
        await RunMinutesAsync(engine, 60);
        Assert.Single(engine.OpenTickets.Single(t => t.Id == leak.Id).Audit, a => a.Action == "overdue");
        Time.Advance(TimeSpan.FromDays(15));
        await engine.TickAsync(default);
        var overdueEvents = (await _bench.Outbox.ReadAfterAsync(0, 100_000, default)).Where(r => r.Kind == OutboxRecordKind.TicketChange)
            .Select(r => TicketEvent.Decode(r.Payload)).Where(e => e.Event == "overdue").Select(e => e.Ticket.Id).ToList();
        Assert.Equal([leak.Id], overdueEvents);
    }
}
