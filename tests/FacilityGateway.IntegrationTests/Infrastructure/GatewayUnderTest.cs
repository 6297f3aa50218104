using FacilityGateway.Configuration;
using FacilityGateway.Hosting;
using FacilityGateway.Readings;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FacilityGateway.IntegrationTests.Infrastructure;

/// <summary>The real gateway host, started in process on a YAML configuration written by the test; stopped and cleaned up on dispose.</summary>
public sealed class GatewayUnderTest : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly string _directory;
    private readonly Serilog.Core.Logger _logger;

    private GatewayUnderTest(IHost host, string directory, BatchRecorder recorder, GatewayConfig config, Serilog.Core.Logger logger)
    {
        _host = host;
        _directory = directory;
        Recorder = recorder;
        Config = config;
        _logger = logger;
    }

    public BatchRecorder Recorder { get; }
    public string ConfigPath => Path.Combine(_directory, "gateway.yaml");
    public GatewayConfig Config { get; }
    public IServiceProvider Services => _host.Services;

    /// <summary>Completes once the gateway's MQTT command listener has subscribed: commands sent from then on are taken.</summary>
    public Task CommandsListening() =>
        Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<FacilityGateway.Commands.Mqtt.MqttCommandListener>().Single().Listening;

    public static Task<GatewayUnderTest> StartAsync(string yaml) => StartAsync(yaml, _ => { });

    /// <summary>Starts one with services replaced by <paramref name="configure"/> (a test's environment, limits).</summary>
    public static async Task<GatewayUnderTest> StartAsync(string yaml, Action<IServiceCollection> configure)
    {
        string directory = Directory.CreateTempSubdirectory("fg-test-").FullName;
        string path = Path.Combine(directory, "gateway.yaml");
        await File.WriteAllTextAsync(path, yaml);
        var (config, _) = FacilityGateway.Hosting.GatewayParts.Load(path);
        if (!config.Gateway.Has("data_directory"))
            config.Gateway.DataDirectory = Path.Combine(directory, "data"); // the outbox of this test only
        var recorder = new BatchRecorder();
        var logger = GatewayLogging.Create(new LoggingOptions { Level = LogLevelName.Warning }, config.Gateway.Id);
        var host = GatewayHost.Build(config, logger, services =>
        {
            services.AddSingleton<IReadingConsumer>(recorder);
            configure(services);
        });
        await host.StartAsync();
        return new GatewayUnderTest(host, directory, recorder, config, logger);
    }

    public async ValueTask DisposeAsync()
    {
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
            await _host.StopAsync(stop.Token);
        _host.Dispose();
        await _logger.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
