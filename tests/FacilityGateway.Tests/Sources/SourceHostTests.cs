using System.Threading.Channels;
using FacilityGateway.Configuration;
using FacilityGateway.Readings;
using FacilityGateway.Sources;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace FacilityGateway.Tests.Sources;

/// <summary>The one host of every source: supervision, and the one interval scheduler's health model.</summary>
public sealed class SourceHostTests
{
    private sealed class Factory(params ISource[] sources) : ISourceFactory
    {
        public IEnumerable<ISource> Create(SourcePlan plan, IServiceProvider services) => sources;
    }

    /// <summary>Throws on its first runs, then writes one batch and waits to be stopped.</summary>
    private sealed class CrashingSource(int crashes) : ISource
    {
        private int _runs;
        public string Name => "crashing";
        public async Task RunAsync(ChannelWriter<ReadingBatch> output, CancellationToken cancellationToken)
        {
            if (++_runs <= crashes)
                throw new InvalidOperationException("the driver threw what nobody planned for");
            await output.WriteAsync(new ReadingBatch("recovered", "plant", DateTimeOffset.UnixEpoch, []), cancellationToken);
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class SteadySource : ISource
    {
        public string Name => "steady";
        public async Task RunAsync(ChannelWriter<ReadingBatch> output, CancellationToken cancellationToken)
        {
            await output.WriteAsync(new ReadingBatch("steady", "plant", DateTimeOffset.UnixEpoch, []), cancellationToken);
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    [Fact]
    public async Task SourceThatThrowsAnUnexpectedError_IsRestarted_WhileTheOthersGoOn()
    {
        var channel = new ReadingChannel();
        var host = new SourceHost(SourcePlan.Empty, channel, new ServiceCollection().BuildServiceProvider(), TimeProvider.System, NullLogger<SourceHost>.Instance)
        {
            Factories = [new Factory(new CrashingSource(crashes: 2), new SteadySource())],
        };
        await host.StartAsync(CancellationToken.None);
        var seen = new HashSet<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (seen.Count < 2)
            seen.Add((await channel.Reader.ReadAsync(timeout.Token)).DeviceId);
        await host.StopAsync(CancellationToken.None);

        Assert.Equal(["recovered", "steady"], seen.Order());
        Assert.Equal(2, host.Restarts);
        Assert.True(host.ExecuteTask!.IsCompletedSuccessfully, "the host itself never ended on the error");
    }
}
