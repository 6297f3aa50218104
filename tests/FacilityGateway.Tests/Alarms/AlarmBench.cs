using FacilityGateway.Alarms;
using FacilityGateway.Configuration;
using FacilityGateway.Outbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FacilityGateway.Tests.Alarms;

/// <summary>An alarm engine on a real outbox file in a temporary folder, with time driven by a FakeTimeProvider.</summary>
public sealed class AlarmBench : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fg-alarms-").FullName;
    private OutboxService? _outbox;

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.Parse("2026-11-26T03:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    public SqliteOutbox Outbox => _outbox!.Outbox;

    /// <summary>The engine's clock; <see cref="Time"/> unless a test steps the wall clock on its own.</summary>
    public TimeProvider EngineTime { get; set; }

    public AlarmBench() => EngineTime = Time;

    /// <summary>Caps the outbox file in pages, as a full disk would.</summary>
    public long? MaxPageCount { get; set; }

    /// <summary>Starts (or, after <see cref="StopAsync"/>, restarts on the same outbox file) an engine for <paramref name="yaml"/>.</summary>
    public async Task<AlarmEngine> StartAsync(string yaml)
    {
        string path = Path.Combine(_directory, "gateway.yaml");
        await File.WriteAllTextAsync(path, yaml);
        var (config, _) = FacilityGateway.Hosting.GatewayParts.Load(path);
        config.Gateway.DataDirectory = Path.Combine(_directory, "data");
        var services = new ServiceCollection().AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance).BuildServiceProvider();
        _outbox = new OutboxService(FacilityGateway.Hosting.GatewayHost.OutboxPlanOf(config), Time, NullLoggerFactory.Instance) { MaxPageCount = MaxPageCount };
        await _outbox.StartAsync(default);
        return new AlarmEngine(AlarmEnginePlan.Of(config), _outbox, EngineTime, NullLogger<AlarmEngine>.Instance);
    }

    /// <summary>One leak probe on a Modbus coil, latched P1: the configuration of the storage and action tests.</summary>
    public const string LeakYaml = """
            gateway: { id: gw, site: site }
            assets: [{ id: zone, name: Tank room, type: leak_zone }]
            devices:
              - { id: panel, asset: zone, endpoint: "tcp://127.0.0.1:1", unit: 1, points: [{ id: wet, coil: 0, alarms: [{ type: state, state: 1, on_delay: 0s, latched: true, priority: P1, message: Water leak }] }] }
            """;

    /// <summary>A poll of <see cref="LeakYaml"/>'s probe, wet, now.</summary>
    public FacilityGateway.Readings.ReadingBatch Wet()
    {
        var now = Time.GetUtcNow();
        return new FacilityGateway.Readings.ReadingBatch("panel", "zone", now, [new("panel", "wet", 1, null, "", FacilityGateway.Readings.Quality.Good, now), new("panel", "health.online", 1, null, "", FacilityGateway.Readings.Quality.Good, now)]);
    }

    /// <summary>Fills the capped outbox file with telemetry to its last byte (set <see cref="MaxPageCount"/> first).</summary>
    public async Task FillOutboxAsync()
    {
        foreach (int size in new[] { 8_000, 1_000, 100, 1 })
        {
            while (true)
            {
                try
                {
                    await await Outbox.AppendAsync(OutboxRecordKind.Readings, new byte[size], default);
                }
                catch (OutboxFullException)
                {
                    break;
                }
            }
        }
    }

    public async Task StopAsync()
    {
        if (_outbox is not null)
            await _outbox.StopAsync(default);
        _outbox = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }
}
