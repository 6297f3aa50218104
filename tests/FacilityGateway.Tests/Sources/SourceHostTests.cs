using System.Threading.Channels;
using FacilityGateway.Configuration;
using FacilityGateway.Readings;
using FacilityGateway.Sources;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace FacilityGateway.Tests.Sources;

/// <summary>The one host of every source: supervision, and applying a reloaded plan to the running sources.</summary>
public sealed class SourceHostTests
{
    private sealed class Factory(params ISource[] sources) : ISourceFactory
    {
        public IEnumerable<ISource> Create(SourcePlan plan, IServiceProvider services) => sources;
    }

    /// <summary>Makes one <see cref="CountingSource"/> per device of the plan, named after it, made from its interval.</summary>
    private sealed class PerDeviceFactory : ISourceFactory
    {
        public List<CountingSource> Made { get; } = [];

        public IEnumerable<ISource> Create(SourcePlan plan, IServiceProvider services)
        {
            var made = plan.Devices.Select(d => new CountingSource(d.Id, d.Interval)).ToList();
            Made.AddRange(made);
            return made;
        }
    }

    /// <summary>Counts its runs and disposals; writes one batch per run and waits to be stopped.</summary>
    private sealed class CountingSource(string name, TimeSpan interval) : ISource
    {
        public int Runs;
        public int Disposals;
        public string Name => name;
        public IReadOnlyList<object> MadeFrom => [interval];
        public async Task RunAsync(ChannelWriter<ReadingBatch> output, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Runs);
            await output.WriteAsync(new ReadingBatch(name, "plant", DateTimeOffset.UnixEpoch, []), cancellationToken);
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        public ValueTask DisposeAsync()
        {
            Interlocked.Increment(ref Disposals);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Throws on its first runs, then writes one batch and waits to be stopped.</summary>
    private sealed class CrashingSource(int crashes) : ISource
    {
        private int _runs;
        public string Name => "crashing";
        public IReadOnlyList<object> MadeFrom => [];
        public async Task RunAsync(ChannelWriter<ReadingBatch> output, CancellationToken cancellationToken)
        {
            if (++_runs <= crashes)
                throw new InvalidOperationException("the driver threw what nobody planned for");
            await output.WriteAsync(new ReadingBatch("recovered", "plant", DateTimeOffset.UnixEpoch, []), cancellationToken);
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private static SourcePlan Plan(params (string Id, int Seconds)[] devices) => new(new GatewayIdentity(),
        [.. devices.Select(d => new FacilityGateway.Sources.Gpio.GpioInputOptions { Id = d.Id, Asset = "plant", Interval = TimeSpan.FromSeconds(d.Seconds) })], []);

    [Fact]
    public async Task SourceThatThrowsAnUnexpectedError_IsRestarted_WhileTheOthersGoOn()
    {
        var channel = new ReadingChannel();
        var host = new SourceHost(channel, TimeProvider.System, NullLogger<SourceHost>.Instance)
        {
            Factories = [new Factory(new CrashingSource(crashes: 2), new CountingSource("steady", TimeSpan.Zero))],
        };
        await host.ApplyAsync(SourcePlan.Empty, new ServiceCollection().BuildServiceProvider(), CancellationToken.None);
        var seen = new HashSet<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (seen.Count < 2)
            seen.Add((await channel.Reader.ReadAsync(timeout.Token)).DeviceId);
        await host.StopAllAsync();

        Assert.Equal(["recovered", "steady"], seen.Order());
        Assert.Equal(2, host.Restarts);
        Assert.Empty(host.Sources);
    }

    [Fact]
    public async Task AReloadedPlan_KeepsUnchangedSourcesRunning_RestartsTheChangedOne_StopsTheRemovedOne_StartsTheNewOne()
    {
        var channel = new ReadingChannel();
        var factory = new PerDeviceFactory();
        var host = new SourceHost(channel, TimeProvider.System, NullLogger<SourceHost>.Instance) { Factories = [factory] };
        var services = new ServiceCollection().BuildServiceProvider();
        await host.ApplyAsync(Plan(("kept", 5), ("changed", 5), ("removed", 5)), services, CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        for (int i = 0; i < 3; i++)
            await channel.Reader.ReadAsync(timeout.Token); // all three run
        var first = factory.Made.ToDictionary(s => s.Name);

        var changes = await host.ApplyAsync(Plan(("kept", 5), ("changed", 10), ("added", 5)), services, CancellationToken.None);
        var seen = new HashSet<string>();
        while (seen.Count < 2)
            seen.Add((await channel.Reader.ReadAsync(timeout.Token)).DeviceId);

        Assert.Equal(["kept"], changes.Kept);
        Assert.Equal(["changed"], changes.Restarted);
        Assert.Equal(["added", "changed"], changes.Started.Order());
        Assert.Equal(["changed", "removed"], changes.Stopped.Order());
        Assert.Equal(["added", "changed"], seen.Order()); // the kept one wrote nothing new: it was never restarted
        Assert.Equal((1, 0), (first["kept"].Runs, first["kept"].Disposals));
        Assert.Equal(1, first["changed"].Disposals);
        Assert.Equal(1, first["removed"].Disposals);
        var unusedCopy = factory.Made.Skip(3).Single(s => s.Name == "kept");
        Assert.Equal((0, 1), (unusedCopy.Runs, unusedCopy.Disposals)); // made from the new plan, never run, disposed
        Assert.Same(first["kept"], host.Sources.Single(s => s.Name == "kept"));

        await host.StopAllAsync();
        Assert.Equal(1, first["kept"].Disposals);
    }

    [Fact]
    public void Fingerprint_SeesAChangedRegister_NotWhereTheDeviceIsWritten()
    {
        string Fingerprint(string yaml)
        {
            string path = Path.Combine(Directory.CreateTempSubdirectory("fg-fingerprint-").FullName, "gateway.yaml");
            File.WriteAllText(path, yaml);
            var (config, _) = FacilityGateway.Hosting.GatewayParts.Load(path);
            var plan = SourcePlan.Of(config);
            return SourceFingerprint.Of(SourceKinds.Factories[0].Create(plan, new ServiceCollection()
                .AddSingleton(TimeProvider.System).AddSingleton<Microsoft.Extensions.Logging.ILoggerFactory>(NullLoggerFactory.Instance).BuildServiceProvider()).Single());
        }
        const string Head = """
            gateway: { id: gw, site: site }
            assets: [{ id: pump, name: 水泵, type: pump }]
            devices:
            """;
        string original = Fingerprint(Head + "\n  - { id: drive, asset: pump, endpoint: \"tcp://127.0.0.1:1502\", unit: 1, points: [{ id: hz, holding: 0 }] }\n");
        string moved = Fingerprint(Head + "\n  # the booster set's drive\n\n  - { id: drive, asset: pump, endpoint: \"tcp://127.0.0.1:1502\", unit: 1, points: [{ id: hz, holding: 0 }] }\n");
        string changed = Fingerprint(Head + "\n  - { id: drive, asset: pump, endpoint: \"tcp://127.0.0.1:1502\", unit: 1, points: [{ id: hz, holding: 1 }] }\n");

        Assert.Equal(original, moved);
        Assert.NotEqual(original, changed);
    }
}
