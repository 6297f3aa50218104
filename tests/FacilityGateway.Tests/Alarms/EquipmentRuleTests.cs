using FacilityGateway.Alarms;
using FacilityGateway.Alarms.Equipment;
using FacilityGateway.Outbox;
using FacilityGateway.Readings;
using Microsoft.Extensions.Time.Testing;
using FacilityGateway.Tickets;

namespace FacilityGateway.Tests.Alarms;

/// <summary>Rules of an asset over several points or a schedule: pump dry run and lighting against its schedule.</summary>
public sealed class EquipmentRuleTests : IAsyncLifetime, IAsyncDisposable
{
    private readonly AlarmBench _bench = new();
    private FakeTimeProvider Time => _bench.Time;

    // xUnit v2 disposes a test class through IAsyncLifetime only (IAsyncDisposable alone left the bench's folder behind).
    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public ValueTask DisposeAsync() => _bench.DisposeAsync();

    private const string PumpYaml = """
            gateway: { id: gw, site: site }
            assets:
              - id: pump-1
                name: Booster pump 1
                type: pump
                running: drive/running
                rules:
                  - { type: dry_run, flow: meter/flow, min_flow: 0.5, power: drive/power, min_power: 1.0, ignore_after_start: 30s, on_delay: 10s, off_delay: 5s }
              - { id: main, name: Cold water main, type: meter }
            devices:
              - id: drive
                asset: pump-1
                endpoint: tcp://127.0.0.1:1
                unit: 1
                points:
                  - { id: running, register: 40001, type: bit, bit: 2 }
                  - { id: power, register: 40002, unit: kW, scale: 0.01 }
              - { id: meter, asset: main, endpoint: "tcp://127.0.0.1:2", unit: 1, points: [{ id: flow, register: 40001, unit: m3/h }] }
            """;

    private ReadingBatch Pump(double running, double power, double flow, Quality flowQuality = Quality.Good)
    {
        var now = Time.GetUtcNow();
        return new ReadingBatch("drive", "pump-1", now,
        [
            new("drive", "running", running, null, "", Quality.Good, now),
            new("drive", "power", power, null, "kW", Quality.Good, now),
            new("drive", "health.online", 1, null, "", Quality.Good, now),
            new("meter", "flow", flow, null, "m3/h", flowQuality, now),
        ]);
    }

    private static async Task FeedAsync(AlarmEngine engine, FakeTimeProvider time, Func<ReadingBatch> batch, int seconds)
    {
        for (int s = 0; s < seconds; s++)
        {
            await engine.ConsumeAsync(batch(), default);
            time.Advance(TimeSpan.FromSeconds(1));
        }
    }

    private async Task<List<TicketEvent>> EventsAsync() =>
        [.. (await _bench.Outbox.ReadAfterAsync(0, 10_000, default)).Where(r => r.Kind == OutboxRecordKind.TicketChange).Select(r => TicketEvent.Decode(r.Payload))];

    [Fact]
    public async Task DryRun_IsNotJudgedInTheIgnoreWindow_ThenRaisedOnce_AfterTheOnDelay()
    {
        var engine = await _bench.StartAsync(PumpYaml);
        await FeedAsync(engine, Time, () => Pump(0, 0, 0), 60); // stopped, no flow: fine
        await FeedAsync(engine, Time, () => Pump(1, 0.3, 0), 39); // started dry: 30 s ignored, then 9 s of a 10 s on-delay
        Assert.Empty(engine.OpenTickets);
        await FeedAsync(engine, Time, () => Pump(1, 0.3, 0), 2);
        var ticket = Assert.Single(engine.OpenTickets);
        Assert.Equal(("pump-1/dry_run", AlarmPriority.P2, "Booster pump 1 is running dry: no flow while it runs"), (ticket.RuleId, ticket.Priority, ticket.Message));
        Assert.Equal((0.0, 0.5, "m3/h"), (ticket.Value, ticket.Limit, ticket.Unit));
        await FeedAsync(engine, Time, () => Pump(1, 0.3, 0), 600);
        Assert.Equal(["opened"], (await EventsAsync()).Select(e => e.Event));

        await FeedAsync(engine, Time, () => Pump(0, 0, 0), 10); // stopped: clears after the off-delay
        Assert.False(engine.OpenTickets.Single().ConditionActive);
    }

    [Fact]
    public async Task DryRun_PumpingNormally_OrAStartWithFlowComingUp_NeverRaises()
    {
        var engine = await _bench.StartAsync(PumpYaml);
        for (int cycle = 0; cycle < 5; cycle++)
        {
            await FeedAsync(engine, Time, () => Pump(1, 0.2, 0), 25); // ramping up: low power and no flow inside the ignore window
            await FeedAsync(engine, Time, () => Pump(1, 4.5, 6.2), 600);
            await FeedAsync(engine, Time, () => Pump(0, 0, 0), 300);
        }
        Assert.Empty(engine.OpenTickets);
    }

    [Fact]
    public async Task DryRun_LowPowerAlone_IsDry_AndABadFlowReading_NeitherRaisesNorClears()
    {
        var engine = await _bench.StartAsync(PumpYaml);
        await FeedAsync(engine, Time, () => Pump(1, 4.5, 6.2), 60);
        await FeedAsync(engine, Time, () => Pump(1, 0.4, 6.2), 11); // flow fine, power low (a broken coupling): dry
        Assert.Equal("pump-1/dry_run", Assert.Single(engine.OpenTickets).RuleId);

        await FeedAsync(engine, Time, () => Pump(1, 4.5, double.NaN, Quality.BadCommFailure), 60); // flow unknown, power fine: clears by power
        Assert.False(engine.OpenTickets.Single().ConditionActive);
    }

    [Fact]
    public async Task DryRun_IsSuppressed_WhenTheRunSignalsDeviceLosesCommunication()
    {
        var engine = await _bench.StartAsync(PumpYaml);
        await FeedAsync(engine, Time, () => Pump(1, 4.5, 6.2), 60);
        var now = Time.GetUtcNow();
        await engine.ConsumeAsync(new ReadingBatch("drive", "pump-1", now, [new("drive", "health.online", 0, null, "", Quality.Good, now)]), default);
        Assert.Equal("drive/comm_loss", Assert.Single(engine.OpenTickets).RuleId);
        Assert.True(engine.State("pump-1/dry_run")?.Suppressed ?? true);
    }

    private const string LightingYaml = """
            gateway: { id: gw, site: site, time_zone: Europe/London }
            assets:
              - id: stair-lights
                name: Stair lighting
                type: lighting_circuit
                rules:
                  - type: lighting_schedule
                    point: submeter/current_l1
                    lit_above: 0.3
                    on_delay: 10m
                    off_delay: 1m
                    schedule:
                      - { days: mon-fri, from: "06:30", to: "22:00" }
                      - { days: sat, from: "20:00", to: "02:00" }
            devices:
              - { id: submeter, asset: stair-lights, endpoint: "tcp://127.0.0.1:2", unit: 1, points: [{ id: current_l1, register: 40001, unit: A }] }
            """;

    private ReadingBatch Current(double amps)
    {
        var now = Time.GetUtcNow();
        return new ReadingBatch("submeter", "stair-lights", now, [new("submeter", "current_l1", amps, null, "A", Quality.Good, now), new("submeter", "health.online", 1, null, "", Quality.Good, now)]);
    }

    private async Task RunUntilAsync(AlarmEngine engine, DateTimeOffset until, double amps)
    {
        while (Time.GetUtcNow() < until)
        {
            await engine.ConsumeAsync(Current(amps), default);
            await engine.TickAsync(default);
            Time.Advance(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task Lighting_LitOutsideItsSchedule_AndDarkDuringIt_EachGiveOneTicket_InTheSitesTimeZone()
    {
        // Wednesday 2026-12-02, 00:00 UTC = 00:00 in London (GMT in November).
        Time.SetUtcNow(DateTimeOffset.Parse("2026-12-02T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var engine = await _bench.StartAsync(LightingYaml);
        await RunUntilAsync(engine, DateTimeOffset.Parse("2026-12-02T06:40:00Z", System.Globalization.CultureInfo.InvariantCulture), 0.0); // dark at night: fine
        await RunUntilAsync(engine, DateTimeOffset.Parse("2026-12-02T21:55:00Z", System.Globalization.CultureInfo.InvariantCulture), 2.4); // lit by day: fine
        Assert.Empty(engine.OpenTickets);

        // Stays lit after 22:00: the lit alarm after its 10 min on-delay, not before.
        await RunUntilAsync(engine, DateTimeOffset.Parse("2026-12-02T22:09:00Z", System.Globalization.CultureInfo.InvariantCulture), 2.4);
        Assert.Empty(engine.OpenTickets);
        await RunUntilAsync(engine, DateTimeOffset.Parse("2026-12-02T23:00:00Z", System.Globalization.CultureInfo.InvariantCulture), 2.4);
        var lit = Assert.Single(engine.OpenTickets);
        Assert.Equal(("stair-lights/lighting_schedule/lit", AlarmPriority.P3), (lit.RuleId, lit.Priority));
        Assert.Contains("lit outside its schedule", lit.Message, StringComparison.Ordinal);

        // Next morning the lamps have failed: dark during the schedule.
        await RunUntilAsync(engine, DateTimeOffset.Parse("2026-12-03T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture), 0.0);
        var dark = engine.OpenTickets.Single(t => t.RuleId == "stair-lights/lighting_schedule/dark");
        Assert.Contains("draws no current during its schedule", dark.Message, StringComparison.Ordinal);
        Assert.False(engine.OpenTickets.Single(t => t.RuleId.EndsWith("/lit", StringComparison.Ordinal)).ConditionActive);
    }

    [Theory]
    [InlineData("2026-11-28T19:59:00Z", false)] // Saturday before the window
    [InlineData("2026-11-28T20:00:00Z", true)]
    [InlineData("2026-11-29T01:59:00Z", true)]  // past midnight into Sunday: still Saturday's window
    [InlineData("2026-11-29T02:00:00Z", false)]
    [InlineData("2026-11-29T12:00:00Z", false)] // Sunday
    [InlineData("2026-06-01T05:45:00Z", true)]  // Monday 06:45 in London (BST, UTC+1)
    [InlineData("2026-06-01T05:15:00Z", false)] // Monday 06:15 in London
    public void Schedule_FollowsTheSitesLocalTime_AndWindowsPastMidnight(string at, bool on)
    {
        Assert.True(WeeklySchedule.TryParseDays("mon-fri", out var weekdays));
        Assert.True(WeeklySchedule.TryParseDays("sat", out var saturday));
        var schedule = new WeeklySchedule([(weekdays, new TimeOnly(6, 30), new TimeOnly(22, 0)), (saturday, new TimeOnly(20, 0), new TimeOnly(2, 0))],
            TimeZoneInfo.FindSystemTimeZoneById("Europe/London"));
        Assert.Equal(on, schedule.IsOn(DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("daily", 7)]
    [InlineData("weekdays", 5)]
    [InlineData("sat,sun", 2)]
    [InlineData("fri-mon", 4)]
    [InlineData("Mon, Wed, Fri", 3)]
    public void Days_AreReadAsInstallersWriteThem(string text, int count)
    {
        Assert.True(WeeklySchedule.TryParseDays(text, out var days));
        Assert.Equal(count, days.Count);
    }
}
