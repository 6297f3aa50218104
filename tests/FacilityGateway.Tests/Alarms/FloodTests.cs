using FacilityGateway.Alarms;
using FacilityGateway.Outbox;
using FacilityGateway.Readings;
using Microsoft.Extensions.Time.Testing;
using FacilityGateway.Tickets;

namespace FacilityGateway.Tests.Alarms;

/// <summary>More than 10 notifications in 10 minutes for a site: P2-P4 go into a digest, P1 is paged on its own.</summary>
public sealed class FloodTests : IAsyncLifetime, IAsyncDisposable
{
    private readonly AlarmBench _bench = new();
    private FakeTimeProvider Time => _bench.Time;

    // xUnit v2 disposes a test class through IAsyncLifetime only (IAsyncDisposable alone left the bench's folder behind).
    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public ValueTask DisposeAsync() => _bench.DisposeAsync();

    private static readonly string Yaml = $$"""
            gateway: { id: gw, site: riverside }
            assets: [{ id: b1, name: Basement, type: other }]
            devices:
              - id: panel
                asset: b1
                endpoint: tcp://127.0.0.1:1
                unit: 1
                points:
            {{string.Join('\n', Enumerable.Range(0, 15).Select(i => $"      - {{ id: in{i}, coil: {i}, alarms: [{{ type: state, state: 1, on_delay: 0s, priority: P3, message: Input {i} }}] }}"))}}
                  - { id: leak, coil: 20, alarms: [{ type: state, state: 1, on_delay: 0s, latched: true, priority: P1, message: Leak }] }
            """;

    private async Task RaiseAsync(AlarmEngine engine, string point)
    {
        var now = Time.GetUtcNow();
        await engine.ConsumeAsync(new ReadingBatch("panel", "b1", now, [new("panel", point, 1, null, "", Quality.Good, now), new("panel", "health.online", 1, null, "", Quality.Good, now)]), default);
        await engine.TickAsync(default);
        Time.Advance(TimeSpan.FromSeconds(20));
    }

    private async Task<List<OutboxRecord>> RecordsAsync() =>
        [.. (await _bench.Outbox.ReadAfterAsync(0, 10_000, default)).Where(r => r.Kind is OutboxRecordKind.TicketChange or OutboxRecordKind.FloodDigest)];

    [Fact]
    public async Task EleventhNotification_IsHeldForTheDigest_P1IsNot_AndTheDigestFollows()
    {
        var engine = await _bench.StartAsync(Yaml);
        for (int i = 0; i < 13; i++)
            await RaiseAsync(engine, $"in{i}");
        await RaiseAsync(engine, "leak");

        var events = (await RecordsAsync()).Select(r => TicketEvent.Decode(r.Payload)).ToList();
        Assert.Equal(14, events.Count);
        Assert.All(events.Take(10), e => Assert.Null(e.Held));
        Assert.All(events.Skip(10).Take(3), e => Assert.True(e.Held));
        Assert.Null(events[13].Held); // P1, during the flood: paged on its own
        Assert.Equal("Leak", events[13].Ticket.Message);

        // Five minutes after the first held one, they go out together, once.
        for (int s = 0; s < 5 * 60; s += 20)
        {
            await engine.TickAsync(default);
            Time.Advance(TimeSpan.FromSeconds(20));
        }
        var digests = (await RecordsAsync()).Where(r => r.Kind == OutboxRecordKind.FloodDigest).Select(r => TicketDigest.Decode(r.Payload)).ToList();
        var digest = Assert.Single(digests);
        Assert.Equal("D-riverside-1", digest.Key);
        Assert.Equal(["Input 10", "Input 11", "Input 12"], digest.Items.Select(i => i.Message));
        Assert.Equal(events.Skip(10).Take(3).Select(e => e.Key), digest.Items.Select(i => i.Key));
    }

    [Fact]
    public async Task HeldNotifications_SurviveARestart_AndStillGoOutAsADigest()
    {
        var engine = await _bench.StartAsync(Yaml);
        for (int i = 0; i < 12; i++)
            await RaiseAsync(engine, $"in{i}");
        await _bench.StopAsync();

        engine = await _bench.StartAsync(Yaml);
        for (int s = 0; s < 11 * 60; s += 20) // the flood is over after the window: what is held goes out
        {
            await engine.TickAsync(default);
            Time.Advance(TimeSpan.FromSeconds(20));
        }
        var digest = Assert.Single((await RecordsAsync()).Where(r => r.Kind == OutboxRecordKind.FloodDigest).Select(r => TicketDigest.Decode(r.Payload)));
        Assert.Equal(["Input 10", "Input 11"], digest.Items.Select(i => i.Message));
    }

    [Fact]
    public async Task TenNotificationsInTenMinutes_IsNoFlood()
    {
        var engine = await _bench.StartAsync(Yaml);
        for (int i = 0; i < 10; i++)
            await RaiseAsync(engine, $"in{i}");
        Time.Advance(TimeSpan.FromMinutes(10));
        for (int i = 10; i < 15; i++)
            await RaiseAsync(engine, $"in{i}");
        Assert.All((await RecordsAsync()).Select(r => TicketEvent.Decode(r.Payload)), e => Assert.Null(e.Held));
    }
}
