using FacilityGateway.Alarms;
using FacilityGateway.Configuration;
using FacilityGateway.Outbox;
using FacilityGateway.Readings;
using FacilityGateway.Tickets;
using Microsoft.Extensions.Time.Testing;

namespace FacilityGateway.Tests.Alarms;

/// <summary>
/// Shelving, out of service and suppression by design (ISA-18.2): rules go on being evaluated (or, by design, restart
/// afresh), and an alarm still active when the silencing ends notifies.
/// </summary>
public sealed class SilencingTests : IAsyncLifetime, IAsyncDisposable
{
    private readonly AlarmBench _bench = new();
    private FakeTimeProvider Time => _bench.Time;

    // xUnit v2 disposes a test class through IAsyncLifetime only (IAsyncDisposable alone left the bench's folder behind).
    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public ValueTask DisposeAsync() => _bench.DisposeAsync();

    private const string Yaml = """
            gateway: { id: gw, site: site }
            assets: [{ id: pump-1, name: Booster pump 1, type: pump }]
            devices:
              - id: drive
                asset: pump-1
                endpoint: tcp://127.0.0.1:1
                unit: 1
                points:
                  - { id: running, register: 40001, type: bit, bit: 2, alarms: [{ type: short_cycling, max_starts: 6, window: 60m, min_run: 2m, priority: P2 }] }
                  - { id: pressure, register: 40002, unit: bar, alarms: [{ type: low, limit: 2, deadband: 0.2, on_delay: 10s, off_delay: 10s, only_when: drive/running, priority: P2, message: Discharge pressure low }] }
                  - { id: tripped, register: 40003, type: bit, bit: 3, alarms: [{ type: state, state: 1, on_delay: 0s, off_delay: 0s, priority: P2, message: Drive tripped }] }
            """;

    private async Task FeedAsync(AlarmEngine engine, TimeSpan duration, double running = 0, double pressure = 4, double tripped = 0)
    {
        for (var t = TimeSpan.Zero; t < duration; t += TimeSpan.FromSeconds(1))
        {
            var now = Time.GetUtcNow();
            await engine.ConsumeAsync(new ReadingBatch("drive", "pump-1", now,
            [
                new("drive", "running", running, null, "", Quality.Good, now),
                new("drive", "pressure", pressure, null, "bar", Quality.Good, now),
                new("drive", "tripped", tripped, null, "", Quality.Good, now),
                new("drive", "health.online", 1, null, "", Quality.Good, now),
            ]), default);
            await engine.TickAsync(default);
            Time.Advance(TimeSpan.FromSeconds(1));
        }
    }

    private async Task<List<string>> EventsAsync() =>
        [.. (await _bench.Outbox.ReadAfterAsync(0, 100_000, default)).Where(r => r.Kind == OutboxRecordKind.TicketChange).Select(r => TicketEvent.Decode(r.Payload).Event)];

    [Fact]
    public async Task ShelveExpiry_WithTheAlarmStillActive_PagesAgainOnTheSameTicket()
    {
        var engine = await _bench.StartAsync(Yaml);
        await FeedAsync(engine, TimeSpan.FromSeconds(2), tripped: 1);
        var ticket = Assert.Single(engine.OpenTickets);
        Assert.True(await engine.ExecuteAsync(new TicketCommand(TicketAction.Shelve, ticket.Id, "bob", "drive being replaced", TimeSpan.FromMinutes(30)), default));

        await FeedAsync(engine, TimeSpan.FromMinutes(29), tripped: 1);
        Assert.Equal(["opened", "shelve"], await EventsAsync());
        await FeedAsync(engine, TimeSpan.FromMinutes(2), tripped: 1);
        Assert.Equal(["opened", "shelve", "realarm"], await EventsAsync());
        ticket = Assert.Single(engine.OpenTickets);
        Assert.Equal(AlarmCondition.ActiveUnacknowledged, engine.State(ticket.RuleId)!.Condition);
        Assert.Null(engine.State(ticket.RuleId)!.ShelvedUntil);
        Assert.Contains(ticket.Audit, a => a.Action == "realarm" && a.Note == "still active when its shelve expired");
    }

    [Fact]
    public async Task WallClockSteps_NeitherEndAShelveEarly_NorCloseAResolvedTicketEarly()
    {
        var clock = new SteppedClock(Time);
        _bench.EngineTime = clock;
        var engine = await _bench.StartAsync(Yaml);
        await FeedAsync(engine, TimeSpan.FromSeconds(2), tripped: 1);
        var ticket = Assert.Single(engine.OpenTickets);
        Assert.True(await engine.ExecuteAsync(new TicketCommand(TicketAction.Shelve, ticket.Id, "bob", "drive being replaced", TimeSpan.FromMinutes(30)), default));
        clock.Step = TimeSpan.FromHours(1); // NTP jumps an hour ahead
        await FeedAsync(engine, TimeSpan.FromMinutes(29), tripped: 1);
        Assert.Equal(["opened", "shelve"], await EventsAsync());
        await FeedAsync(engine, TimeSpan.FromMinutes(2), tripped: 1);
        Assert.Equal(["opened", "shelve", "realarm"], await EventsAsync());

        await FeedAsync(engine, TimeSpan.FromSeconds(2), tripped: 0);
        Assert.True(await engine.ExecuteAsync(new TicketCommand(TicketAction.Resolve, ticket.Id, "bob", "drive replaced"), default));
        clock.Step = TimeSpan.FromHours(30); // a day and more ahead: the 24 h follow-up has not passed
        await FeedAsync(engine, TimeSpan.FromMinutes(5));
        Assert.Equal(TicketState.Resolved, Assert.Single(engine.OpenTickets).State);
    }

    [Fact]
    public async Task WhileShelved_ItIsStillEvaluated_AndAnAlarmRaisedMeanwhile_NotifiesWhenTheShelveEnds()
    {
        var engine = await _bench.StartAsync(Yaml);
        await FeedAsync(engine, TimeSpan.FromSeconds(2), tripped: 1);
        await FeedAsync(engine, TimeSpan.FromSeconds(2), tripped: 0); // cleared
        var ticket = Assert.Single(engine.OpenTickets);
        Assert.True(await engine.ExecuteAsync(new TicketCommand(TicketAction.Resolve, ticket.Id, "bob", "reset the drive"), default));
        Time.Advance(TimeSpan.FromHours(2)); // past the reopen window
        Assert.True(await engine.ExecuteAsync(new TicketCommand(TicketAction.Shelve, ticket.Id, "bob", "commissioning", TimeSpan.FromHours(1)), default));

        await FeedAsync(engine, TimeSpan.FromMinutes(10), tripped: 1); // trips while shelved: evaluated, silent
        Assert.True(engine.State(ticket.RuleId)!.IsActive);
        Assert.DoesNotContain(engine.OpenTickets, t => t.Id != ticket.Id);

        Assert.True(await engine.ExecuteAsync(new TicketCommand(TicketAction.Unshelve, ticket.Id, "bob", "done"), default));
        var fresh = Assert.Single(engine.OpenTickets, t => t.Id != ticket.Id);
        Assert.Equal("Drive tripped", fresh.Message);
    }

    [Fact]
    public async Task OutOfService_NeedsAReason_IsSilent_AndBackInServiceAnActiveAlarmNotifies()
    {
        var engine = await _bench.StartAsync(Yaml);
        await FeedAsync(engine, TimeSpan.FromSeconds(2), tripped: 1);
        var ticket = Assert.Single(engine.OpenTickets);
        Assert.False(await engine.ExecuteAsync(new TicketCommand(TicketAction.OutOfService, ticket.Id, "bob"), default));
        Assert.True(await engine.ExecuteAsync(new TicketCommand(TicketAction.OutOfService, ticket.Id, "bob", "drive removed for repair"), default));
        await FeedAsync(engine, TimeSpan.FromSeconds(2), tripped: 0);
        await FeedAsync(engine, TimeSpan.FromSeconds(2), tripped: 1); // raised again while out of service: silent
        Assert.Equal(["opened", "out_of_service", "cleared"], await EventsAsync());

        Assert.True(await engine.ExecuteAsync(new TicketCommand(TicketAction.InService, ticket.Id, "bob", "drive refitted"), default));
        Assert.Equal(["opened", "out_of_service", "cleared", "in_service", "recurred"], await EventsAsync());
        Assert.Equal(2, Assert.Single(engine.OpenTickets).Occurrences);
    }

    [Fact]
    public async Task OutOfService_AlwaysEnds_ByItsDuration_OrAtMostThirtyDays()
    {
        // Regression: out of service had no end; a drive forgotten out of service never alarmed again.
        var engine = await _bench.StartAsync(Yaml);
        await FeedAsync(engine, TimeSpan.FromSeconds(2), tripped: 1);
        var ticket = Assert.Single(engine.OpenTickets);
        Assert.False(await engine.ExecuteAsync(new TicketCommand(TicketAction.OutOfService, ticket.Id, "bob", "for ever", TimeSpan.FromDays(31)), default));
        Assert.True(await engine.ExecuteAsync(new TicketCommand(TicketAction.OutOfService, ticket.Id, "bob", "drive removed for repair", TimeSpan.FromHours(2)), default));
        _bench.Time.Advance(TimeSpan.FromHours(2) + TimeSpan.FromSeconds(1));
        await engine.TickAsync(default);
        Assert.Null(engine.State(ticket.RuleId)!.OutOfServiceReason);
        Assert.Equal(["opened", "out_of_service", "realarm"], await EventsAsync()); // back in service by itself: the trip, still there, pages again
    }

    [Fact]
    public async Task OnlyWhen_PumpOff_LowPressureIsSuppressedByDesign_AndOnAStartTheOnDelayStartsAfresh()
    {
        var engine = await _bench.StartAsync(Yaml);
        await FeedAsync(engine, TimeSpan.FromHours(1), running: 0, pressure: 0.3); // pump off, no pressure: by design
        Assert.Empty(engine.OpenTickets);
        Assert.True(engine.State("drive/pressure/low")!.SuppressedByDesign);

        await FeedAsync(engine, TimeSpan.FromSeconds(9), running: 1, pressure: 0.3); // started: 9 s of a 10 s on-delay
        Assert.Empty(engine.OpenTickets);
        await FeedAsync(engine, TimeSpan.FromSeconds(3), running: 1, pressure: 0.3);
        var ticket = Assert.Single(engine.OpenTickets);
        Assert.Equal("Discharge pressure low", ticket.Message);

        await FeedAsync(engine, TimeSpan.FromMinutes(3), running: 1, pressure: 0.3);
        await FeedAsync(engine, TimeSpan.FromMinutes(3), running: 0, pressure: 0.3); // commanded off: returns to normal quietly
        Assert.False(Assert.Single(engine.OpenTickets).ConditionActive);
        Assert.True(engine.State("drive/pressure/low")!.SuppressedByDesign);
    }

    [Fact]
    public async Task ShortCycling_ARunShorterThanMinRun_Raises_AndALongRunClears()
    {
        var engine = await _bench.StartAsync(Yaml);
        await FeedAsync(engine, TimeSpan.FromMinutes(1), running: 0);
        await FeedAsync(engine, TimeSpan.FromMinutes(5), running: 1);
        await FeedAsync(engine, TimeSpan.FromMinutes(5), running: 0);
        Assert.Empty(engine.OpenTickets);
        await FeedAsync(engine, TimeSpan.FromSeconds(50), running: 1); // a 50 s run
        await FeedAsync(engine, TimeSpan.FromSeconds(5), running: 0);
        Assert.Equal("drive/running/short_cycling", Assert.Single(engine.OpenTickets).RuleId);
        await FeedAsync(engine, TimeSpan.FromMinutes(3), running: 1);
        Assert.False(Assert.Single(engine.OpenTickets).ConditionActive);
    }

    [Fact]
    public void LeakProbe_OnAGpioInputOrAModbusContact_DefaultsToLatchedP1_OtherContactsDoNot()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("fg-leak-").FullName, "gateway.yaml");
        File.WriteAllText(path, """
            gateway: { id: gw, site: site }
            assets: [{ id: zone, name: Tank room, type: leak_zone }]
            devices:
              - { id: probe, kind: gpio_input, driver: simulated, asset: zone, pin: 17, meaning: leak, alarms: [{ type: state, state: 1 }] }
              - { id: float, kind: gpio_input, driver: simulated, asset: zone, pin: 18, meaning: open_closed, alarms: [{ type: state, state: 1 }] }
              - id: inputs
                asset: zone
                endpoint: tcp://127.0.0.1:1
                unit: 1
                points:
                  - { id: di0, discrete: 0, meaning: leak, alarms: [{ type: state, state: 1 }] }
                  - { id: di1, discrete: 1, meaning: running, alarms: [{ type: state, state: 0 }] }
                  - { id: di2, discrete: 2, alarms: [{ type: state, state: 1, latched: true, priority: P1 }] }
            """);
        var (config, _) = FacilityGateway.Hosting.GatewayParts.Load(path);
        var leak = Assert.Single(config.AlarmRules().PointRulesOf("probe"));
        Assert.Equal((true, AlarmPriority.P1, TimeSpan.FromSeconds(5)), (leak.Latched, leak.Priority, leak.OnDelay));
        var other = Assert.Single(config.AlarmRules().PointRulesOf("float"));
        Assert.Equal((false, AlarmPriority.P3), (other.Latched, other.Priority));
        var modbus = config.AlarmRules().PointRulesOf("inputs").ToDictionary(r => r.PointId);
        Assert.Equal((true, AlarmPriority.P1, TimeSpan.FromSeconds(5)), (modbus["di0"].Latched, modbus["di0"].Priority, modbus["di0"].OnDelay));
        Assert.Equal((false, AlarmPriority.P3), (modbus["di1"].Latched, modbus["di1"].Priority));
        Assert.Equal((true, AlarmPriority.P1), (modbus["di2"].Latched, modbus["di2"].Priority)); // saying it still works
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }
}
