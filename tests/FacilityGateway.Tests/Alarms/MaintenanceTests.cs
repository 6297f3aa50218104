using FacilityGateway.Alarms;
using FacilityGateway.Outbox;
using FacilityGateway.Readings;
using FacilityGateway.Tickets;
using Microsoft.Extensions.Time.Testing;

namespace FacilityGateway.Tests.Alarms;

/// <summary>Run hours and starts from an asset's run signal, kept durably, and the maintenance tickets of its plan.</summary>
public sealed class MaintenanceTests : IAsyncLifetime, IAsyncDisposable
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
              - id: pump-1
                name: Booster pump 1
                type: pump
                running: drive/running
                maintenance:
                  - { task: Check coupling, every_starts: 3 }
                  - { task: Inspect mechanical seal, every_run_hours: 2 }
                  - { task: Check vessel pre-charge, every: 30d }
            devices:
              - { id: drive, asset: pump-1, endpoint: "tcp://127.0.0.1:1", unit: 1, points: [{ id: running, register: 40001, type: bit, bit: 2 }] }
            """;

    private async Task RunAsync(AlarmEngine engine, double running, TimeSpan duration)
    {
        for (var t = TimeSpan.Zero; t < duration; t += TimeSpan.FromSeconds(5))
        {
            var now = Time.GetUtcNow();
            await engine.ConsumeAsync(new ReadingBatch("drive", "pump-1", now, [new("drive", "running", running, null, "", Quality.Good, now)]), default);
            await engine.TickAsync(default);
            Time.Advance(TimeSpan.FromSeconds(5));
        }
    }

    private async Task CyclesAsync(AlarmEngine engine, int cycles, TimeSpan run)
    {
        for (int i = 0; i < cycles; i++)
        {
            await RunAsync(engine, 0, TimeSpan.FromMinutes(1));
            await RunAsync(engine, 1, run);
        }
    }

    [Fact]
    public async Task RunHoursAndStarts_AreCounted_AndPublishedAsGatewayReadings()
    {
        var engine = await _bench.StartAsync(Yaml);
        await CyclesAsync(engine, 2, TimeSpan.FromMinutes(30));
        await RunAsync(engine, 0, TimeSpan.FromMinutes(2));
        var (hours, starts) = engine.Usage("pump-1")!.Value;
        Assert.Equal(2, starts);
        Assert.InRange(hours, 1.0 - 0.01, 1.0 + 0.01);

        var readings = (await _bench.Outbox.ReadAfterAsync(0, 100_000, default)).Where(r => r.Kind == OutboxRecordKind.Readings)
            .SelectMany(r => ReadingBatchCodec.Decode(r.Payload, r.Layouts).Readings).Where(r => r.DeviceId == GatewayDevice.Id).ToList();
        Assert.Equal(2, readings.Last(r => r.PointId == "asset.pump-1.starts").Value);
        Assert.InRange(readings.Last(r => r.PointId == "asset.pump-1.run_hours").Value, 0.98, 1.01);
    }

    [Fact]
    public async Task EveryThreeStarts_OpensOneP4Ticket_AndTheNextDueCountsOnItWhileNotDone()
    {
        var engine = await _bench.StartAsync(Yaml);
        await CyclesAsync(engine, 2, TimeSpan.FromMinutes(1));
        Assert.Empty(engine.OpenTickets);
        await CyclesAsync(engine, 1, TimeSpan.FromMinutes(1));
        var ticket = Assert.Single(engine.OpenTickets);
        Assert.Equal((AlarmPriority.P4, "pump-1/maintenance/check-coupling", 3.0, "starts"), (ticket.Priority, ticket.RuleId, ticket.Value, ticket.Unit));
        Assert.StartsWith("Maintenance due: Check coupling (3 starts", ticket.Message, StringComparison.Ordinal);
        Assert.Equal(ticket.FirstAt.AddDays(30), ticket.RespondBy);

        await CyclesAsync(engine, 3, TimeSpan.FromMinutes(1));
        ticket = Assert.Single(engine.OpenTickets);
        Assert.Equal((2, 6.0), (ticket.Occurrences, ticket.Value));

        // Done and resolved: the next time it comes due is a new ticket.
        Assert.True(await engine.ExecuteAsync(new TicketCommand(TicketAction.Resolve, ticket.Id, "sam", "coupling checked"), default));
        await CyclesAsync(engine, 3, TimeSpan.FromMinutes(1));
        Assert.Equal(2, engine.OpenTickets.Count(t => t.RuleId == "pump-1/maintenance/check-coupling"));
    }

    [Fact]
    public async Task InitialCounters_FromTheEquipmentsOwnMeter_AreWhereCountingStarts_AndASavedStateWins()
    {
        string yaml = Yaml.Replace("running: drive/running", "running: drive/running\n    initial_run_hours: 18500\n    initial_starts: 4100", StringComparison.Ordinal);
        var engine = await _bench.StartAsync(yaml);
        await RunAsync(engine, 0, TimeSpan.FromSeconds(10));
        await RunAsync(engine, 1, TimeSpan.FromMinutes(30));
        var usage = engine.Usage("pump-1")!.Value;
        Assert.Equal(4101, usage.Starts);
        Assert.InRange(usage.RunHours, 18500.49, 18500.51);
        await engine.FlushAsync(default);
        await _bench.StopAsync();

        engine = await _bench.StartAsync(yaml);
        await RunAsync(engine, 1, TimeSpan.FromSeconds(5));
        Assert.Equal(4101, engine.Usage("pump-1")!.Value.Starts);
    }

    [Fact]
    public async Task RunHours_ComeDue_AndTheCalendarTaskToo()
    {
        var engine = await _bench.StartAsync(Yaml);
        await RunAsync(engine, 0, TimeSpan.FromSeconds(10));
        await RunAsync(engine, 1, TimeSpan.FromMinutes(121));
        var seal = Assert.Single(engine.OpenTickets);
        Assert.Equal("pump-1/maintenance/inspect-mechanical-seal", seal.RuleId);
        Assert.Equal("h", seal.Unit);

        Time.Advance(TimeSpan.FromDays(30));
        await engine.TickAsync(default);
        Assert.Contains(engine.OpenTickets, t => t.RuleId == "pump-1/maintenance/check-vessel-pre-charge");
    }

    [Fact]
    public async Task PowerLoss_LosesAtMostAMinute_CountersNeverDecrease_AndNoTicketIsRepeated()
    {
        var engine = await _bench.StartAsync(Yaml);
        await CyclesAsync(engine, 3, TimeSpan.FromMinutes(10)); // 3 starts: the coupling ticket
        var before = engine.Usage("pump-1")!.Value;
        await _bench.StopAsync(); // power cut: no flush

        engine = await _bench.StartAsync(Yaml);
        await RunAsync(engine, 1, TimeSpan.FromSeconds(5)); // loads the saved state
        var after = engine.Usage("pump-1")!.Value;
        Assert.Equal(3, after.Starts);
        Assert.InRange(before.RunHours - after.RunHours, 0, 1.0 / 60 + 1e-9);
        Assert.Single(engine.OpenTickets);

        // Counting goes on from the saved values; a clean stop saves everything.
        await RunAsync(engine, 1, TimeSpan.FromMinutes(10));
        var running = engine.Usage("pump-1")!.Value;
        Assert.True(running.RunHours > after.RunHours);
        await engine.FlushAsync(default);
        await _bench.StopAsync();
        engine = await _bench.StartAsync(Yaml);
        await RunAsync(engine, 0, TimeSpan.FromSeconds(5));
        Assert.Equal(running.RunHours, engine.Usage("pump-1")!.Value.RunHours, 6);
        Assert.Single(engine.OpenTickets);
    }
    [Fact]
    public async Task LastDone_FromTheRegister_IsWhereTheIntervalsCount_AnOverdueTaskOpensAtOnce()
    {
        // The bench starts on 2026-11-26 03:00 UTC. The pre-charge was checked on 1 November: due 1 December, not in 30 days.
        // The seal was last done at 18,000 h and is due every 400 h; the pump has 18,500 h: overdue at once.
        string yaml = Yaml
            .Replace("running: drive/running", "running: drive/running\n    initial_run_hours: 18500", StringComparison.Ordinal)
            .Replace("{ task: Inspect mechanical seal, every_run_hours: 2 }", "{ task: Inspect mechanical seal, every_run_hours: 400, last_done_run_hours: 18000 }", StringComparison.Ordinal)
            .Replace("{ task: Check vessel pre-charge, every: 30d }", "{ task: Check vessel pre-charge, every: 30d, last_done: 2026-11-01 }", StringComparison.Ordinal);
        var engine = await _bench.StartAsync(yaml);
        await RunAsync(engine, 0, TimeSpan.FromSeconds(10));
        var seal = Assert.Single(engine.OpenTickets);
        Assert.Equal("pump-1/maintenance/inspect-mechanical-seal", seal.RuleId);

        Time.Advance(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero) - Time.GetUtcNow() - TimeSpan.FromMinutes(1));
        await engine.TickAsync(default);
        Assert.DoesNotContain(engine.OpenTickets, t => t.RuleId == "pump-1/maintenance/check-vessel-pre-charge");
        Time.Advance(TimeSpan.FromMinutes(1));
        await engine.TickAsync(default);
        Assert.Contains(engine.OpenTickets, t => t.RuleId == "pump-1/maintenance/check-vessel-pre-charge");
    }

    [Fact]
    public async Task ResolvedLate_TheNextDueCountsFromWhenItWasDone_AndTheTicketSaysSo()
    {
        var engine = await _bench.StartAsync(Yaml);
        await RunAsync(engine, 0, TimeSpan.FromSeconds(10));
        await RunAsync(engine, 1, TimeSpan.FromMinutes(180)); // due at 2 h, done at 3 h
        var seal = Assert.Single(engine.OpenTickets, t => t.RuleId == "pump-1/maintenance/inspect-mechanical-seal");
        Assert.True(await engine.ExecuteAsync(new TicketCommand(TicketAction.Resolve, seal.Id, "sam", "seal replaced"), default));
        seal = engine.OpenTickets.Single(t => t.Id == seal.Id);
        var done = seal.Audit[^1];
        Assert.Equal(("maintenance_done", "gateway"), (done.Action, done.By));
        Assert.Equal("done at 3.0 run hours; next due at 5.0 run hours, whichever comes first", done.Note);

        await RunAsync(engine, 1, TimeSpan.FromMinutes(110)); // 4.8 h: the fixed schedule would have been due at 4 h
        Assert.Single(engine.OpenTickets, t => t.RuleId == "pump-1/maintenance/inspect-mechanical-seal");
        await RunAsync(engine, 1, TimeSpan.FromMinutes(15)); // past 5 h
        Assert.Equal(2, engine.OpenTickets.Count(t => t.RuleId == "pump-1/maintenance/inspect-mechanical-seal"));

        // The done point is stored with the resolve: after a power cut the count still runs from there.
        await _bench.StopAsync();
        engine = await _bench.StartAsync(Yaml);
        await RunAsync(engine, 1, TimeSpan.FromSeconds(5));
        Assert.Equal(2, engine.OpenTickets.Count(t => t.RuleId == "pump-1/maintenance/inspect-mechanical-seal"));
    }

    [Fact]
    public async Task LastDone_AddedLaterInTheYaml_CountsAfresh()
    {
        var engine = await _bench.StartAsync(Yaml);
        await RunAsync(engine, 0, TimeSpan.FromMinutes(2)); // the pre-charge check is due in 30 days, stored
        await engine.FlushAsync(default);
        await _bench.StopAsync();
        Assert.Empty(engine.OpenTickets);

        // The installer learns it was last checked on 1 October: overdue.
        engine = await _bench.StartAsync(Yaml.Replace("every: 30d }", "every: 30d, last_done: 2026-10-01 }", StringComparison.Ordinal));
        await RunAsync(engine, 0, TimeSpan.FromSeconds(10));
        Assert.Single(engine.OpenTickets, t => t.RuleId == "pump-1/maintenance/check-vessel-pre-charge");
    }
    [Fact]
    public async Task DoneBeforeItsTicket_IsRecordedResolved_AndTheIntervalCountsFromThen_WithItsTicket_ThatTicketIsResolved()
    {
        var engine = await _bench.StartAsync(Yaml);
        await RunAsync(engine, 0, TimeSpan.FromMinutes(1)); // the pre-charge check: due in 30 days
        Time.Advance(TimeSpan.FromDays(20));
        Assert.True(await engine.RecordMaintenanceAsync("pump-1", "check vessel pre-charge", "sam", "topped up to 2.1 bar", default));
        var done = Assert.Single(engine.OpenTickets);
        Assert.Equal((TicketState.Resolved, "Maintenance done: Check vessel pre-charge", "sam"), (done.State, done.Message, done.AssignedTo));
        Assert.Contains(done.Audit, a => a is { Action: "resolve", By: "sam", Note: "topped up to 2.1 bar" });
        Assert.Contains(done.Audit, a => a.Action == "maintenance_done" && a.Note!.StartsWith("done; next due at 2027-01-15", StringComparison.Ordinal));

        Time.Advance(TimeSpan.FromDays(15)); // 35 days after the start: the old due point has passed, the new one not
        await engine.TickAsync(default);
        Assert.DoesNotContain(engine.OpenTickets, t => t.Message.StartsWith("Maintenance due: Check vessel", StringComparison.Ordinal));

        // With its ticket open, that ticket is resolved (no second one).
        await CyclesAsync(engine, 3, TimeSpan.FromMinutes(1));
        var coupling = Assert.Single(engine.OpenTickets, t => t.RuleId == "pump-1/maintenance/check-coupling");
        Assert.True(await engine.RecordMaintenanceAsync("pump-1", "Check coupling", "sam", null, default));
        Assert.Equal(TicketState.Resolved, Assert.Single(engine.OpenTickets, t => t.RuleId == "pump-1/maintenance/check-coupling").State);

        Assert.False(await engine.RecordMaintenanceAsync("pump-1", "Grease bearings", "sam", null, default)); // not in the plan
        Assert.False(await engine.RecordMaintenanceAsync("pump-9", "Check coupling", "sam", null, default));
    }
}
