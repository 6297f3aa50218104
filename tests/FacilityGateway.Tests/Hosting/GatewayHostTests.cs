using FacilityGateway.Cli;
using FacilityGateway.Configuration;
using FacilityGateway.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FacilityGateway.Tests.Hosting;

public class GatewayHostTests
{
    private sealed class CrashingService : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Yield();
            throw new InvalidOperationException("simulated crash");
        }
    }

    private static GatewayConfig EmptyConfig() => new()
    {
        Gateway = new GatewayIdentity { Id = "gw", Site = "site", DataDirectory = Path.Combine(Path.GetTempPath(), $"fg-host-{Guid.NewGuid():N}") },
    };

    [Fact]
    public async Task ServiceCrash_StopsTheHost_WithExitCode1_SoSystemdRestartsIt()
    {
        using var logger = GatewayLogging.Create(new LoggingOptions { Console = LogFormat.None }, "gw");
        using var host = GatewayHost.Build(EmptyConfig(), logger, services => services.AddHostedService<CrashingService>());
        int code = await GatewayHost.RunAsync(host).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(ExitCodes.Failure, code);
    }

    [Fact]
    public async Task StopRequested_ExitCode0()
    {
        using var logger = GatewayLogging.Create(new LoggingOptions { Console = LogFormat.None }, "gw");
        using var host = GatewayHost.Build(EmptyConfig(), logger);
        var run = GatewayHost.RunAsync(host);
        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        Assert.Equal(ExitCodes.Ok, await run.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void DataDirectory_ThatCannotBeWritten_IsOneClearReason()
    {
        Assert.Null(GatewayCommands.DataDirectoryProblem(Path.Combine(Path.GetTempPath(), $"fg-data-{Guid.NewGuid():N}")));
        string file = Path.GetTempFileName(); // a file where a folder should be
        string? problem = GatewayCommands.DataDirectoryProblem(Path.Combine(file, "data"));
        Assert.NotNull(problem);
        Assert.DoesNotContain("   at ", problem, StringComparison.Ordinal);
        File.Delete(file);
    }

    [Fact]
    public void DataDirectory_IsTakenByOneGatewayAtATime()
    {
        string directory = Directory.CreateTempSubdirectory("fg-lock-").FullName;
        using (var first = FacilityGateway.Hosting.GatewayInstance.Lock(directory))
        {
            Assert.NotNull(first);
            Assert.Null(FacilityGateway.Hosting.GatewayInstance.Lock(directory)); // a second gateway on the same outbox is refused
        }
        using (var again = FacilityGateway.Hosting.GatewayInstance.Lock(directory))
            Assert.NotNull(again); // free once the first has gone
        Directory.Delete(directory, recursive: true);
    }
}
