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
public sealed class EscalationTests : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fg-escalation-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-26T03:00:00Z", System.Globalization.CultureInfo.InvariantCulture)); // a Thursday, week 46 of the rota
    private OutboxService? _outbox;

    public async ValueTask DisposeAsync()
    {
        if (_outbox is not null)
            await _outbox.StopAsync(default);
        Directory.Delete(_directory, recursive: true);
    }

    private async Task<AlarmEngine> StartAsync()
    {
        string path = Path.Combine(_directory, "gateway.yaml");
        File.WriteAllText(path, """
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
                points: [{ id: wet, coil: 0, alarms: [{ type: state, state: 1, on_delay: 0s, latched: true, priority: P1, message: Leak }] }]
            """);
        var (config, _) = ConfigurationLoader.Load(path);
        config.Gateway.DataDirectory = Path.Combine(_directory, "data");
        var services = new ServiceCollection().AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance).BuildServiceProvider();
        _outbox = new OutboxService(config, _time, NullLoggerFactory.Instance, services);
        await _outbox.StartAsync(default);
        return new AlarmEngine(config, _outbox, _time, NullLogger<AlarmEngine>.Instance);
    }

    private ReadingBatch Wet() => new("probe", "tank-room", _time.GetUtcNow(),
        [new Reading("probe", "wet", 1, null, "", Quality.Good, _time.GetUtcNow()), new Reading("probe", "health.online", 1, null, "", Quality.Good, _time.GetUtcNow())]);

    private async Task RunMinutesAsync(AlarmEngine engine, int minutes)
    {
        for (int s = 0; s < minutes * 60; s += 10)
        {
            _time.Advance(TimeSpan.FromSeconds(10));
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
        Assert.True(await engine.ExecuteAsync(new TicketCommand("ack", engine.OpenTickets[0].Id, "alice", "on my way"), default));
        await RunMinutesAsync(engine, 60);
        var ticket = Assert.Single(engine.OpenTickets);
        Assert.Equal(0, ticket.EscalationLevel);
        Assert.DoesNotContain(ticket.Audit, a => a.Action == "escalated");
    }
}
