using FacilityGateway.Sources.Simulated;
using FacilityGateway.Configuration;
using FacilityGateway.Outbox;
using FacilityGateway.Sinks;
using FacilityGateway.Readings;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;

namespace FacilityGateway.Hosting;

/// <summary>Builds the worker host from a validated configuration: sources, the reading pipeline and its stages.</summary>
public static class GatewayHost
{
    /// <summary>Time the host gives services to stop on SIGTERM.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A host ready to run. <paramref name="configure"/> lets tests and the demo replace services (time, extra consumers).</summary>
    public static IHost Build(GatewayConfig config, Serilog.ILogger logger, Action<IServiceCollection>? configure = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "facility-gateway" });
        builder.Services.AddSerilog(logger, dispose: false);
        builder.Services.Configure<HostOptions>(o =>
        {
            o.ShutdownTimeout = ShutdownTimeout;
            o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost;
        });
        builder.Services.AddSingleton(config);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ReadingChannel>();
        builder.Services.AddSingleton<ClockStatus>();
        builder.Services.AddSingleton<ReadingSnapshot>();
        builder.Services.AddSingleton<IReadingConsumer>(sp => sp.GetRequiredService<ReadingSnapshot>());
        builder.Services.AddSingleton(OutboxPlanOf(config));
        builder.Services.AddSingleton<Outbox.OutboxService>();
        builder.Services.AddSingleton(Alarms.AlarmEnginePlan.Of(config));
        builder.Services.AddSingleton<Alarms.AlarmEngine>();
        builder.Services.AddSingleton<IReadingConsumer>(sp => sp.GetRequiredService<Alarms.AlarmEngine>());
        builder.Services.AddSingleton<IReadingConsumer>(sp => sp.GetRequiredService<Outbox.OutboxService>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Outbox.OutboxService>());
        // Delivery starts after the outbox is open and stops before it closes.
        builder.Services.AddSingleton(Delivery.DeliveryPlan.Of(config));
        builder.Services.AddSingleton<Delivery.DeliveryService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Delivery.DeliveryService>());
        // Hosted services stop in reverse order: the alarm clock saves the usage counters before the outbox closes.
        builder.Services.AddHostedService<Alarms.AlarmClockService>();
        builder.Services.AddSingleton<ReadingPipeline>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReadingPipeline>());
        // Commands: the one path for people's actions (the dashboard's, and MQTT's, which the command line uses).
        builder.Services.AddSingleton(Commands.Writes.WritePlan.Of(config));
        builder.Services.AddSingleton<Commands.Writes.PointWrites>();
        builder.Services.AddSingleton<Commands.CommandService>();
        foreach (var mqtt in config.Sinks().OfType<Sinks.Mqtt.MqttSinkOptions>().Where(s => s.Enabled))
            builder.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<Commands.Mqtt.MqttCommandListener>(sp, mqtt, config.Gateway));
        builder.Services.AddSingleton(Dashboard.DashboardPlan.Of(config));
        // The dashboard's trend history folds every reading into minute and quarter-hour buckets, on its own thread.
        builder.Services.AddSingleton(sp => sp.GetRequiredService<Dashboard.DashboardPlan>().History);
        builder.Services.AddSingleton<Dashboard.History.TrendHistory>();
        builder.Services.AddSingleton<IReadingConsumer>(sp => sp.GetRequiredService<Dashboard.History.TrendHistory>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Dashboard.History.TrendHistory>());
        builder.Services.AddSingleton<Dashboard.DashboardService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Dashboard.DashboardService>());
        // Monitoring: the instruments every part records (IMeterFactory), the health checks that /healthz, /readyz and
        // the systemd watchdog ask, /metrics when enabled, and systemd's notify socket when started by systemd.
        builder.Services.AddMetrics();
        builder.Services.AddHealthChecks()
            .AddCheck<Monitoring.PipelineHealthCheck>("pipeline", tags: [Monitoring.PipelineHealthCheck.Tag])
            .AddCheck<Monitoring.ReadinessHealthCheck>("ready", tags: [Monitoring.ReadinessHealthCheck.Tag]);
        builder.Services.AddSingleton<Monitoring.GatewayInstruments>();
        builder.Services.AddSingleton(Monitoring.MonitoringPlan.Of(config));
        builder.Services.AddSingleton<Monitoring.MonitoringService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Monitoring.MonitoringService>());
        builder.Services.AddSingleton<Monitoring.SystemdService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Monitoring.SystemdService>());
        builder.Services.AddSingleton<Sources.ISourceStateStore, OutboxStateStore>();
        builder.Services.AddSingleton<Sources.Simulated.SimulatedGpio>();
        builder.Services.AddSingleton<Sources.Simulated.SimulatedI2c>();
        builder.Services.AddSingleton<Sources.Simulated.SimulatedOneWire>();
        // Every source of every kind, one host: stopped first (hosted services stop in reverse), so pulse totals are
        // stored while the outbox is open.
        builder.Services.AddSingleton(Sources.SourcePlan.Of(config));
        builder.Services.AddSingleton<Sources.SourceHost>();
        builder.Services.AddHostedService<Sources.SourceHostService>();
        configure?.Invoke(builder.Services);
        return builder.Build();
    }

    /// <summary>The outbox's slice of <paramref name="config"/>: its file and bounds, and the sinks by id.</summary>
    public static Outbox.OutboxPlan OutboxPlanOf(GatewayConfig config) =>
        new(config.Outbox().FullPath(config.Gateway.DataDirectory), config.Outbox(), config.Gateway.Id, [.. config.Sinks().Select(s => s.Id)]);

    /// <summary>Runs until stopped; returns <see cref="Cli.ExitCodes.Failure"/> when a service crashed (so systemd restarts it).</summary>
    public static Task<int> RunAsync(IHost host, CancellationToken cancellationToken = default) => RunAsync(host, null, cancellationToken);

    /// <summary>
    /// Runs until stopped, or until <paramref name="replaced"/> (given the host's stopping token) returns true: then the
    /// host stops as on SIGTERM, and the caller starts the next one.
    /// </summary>
    public static async Task<int> RunAsync(IHost host, Func<CancellationToken, Task<bool>>? replaced, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
            if (replaced is not null)
                _ = WatchAsync(replaced, lifetime);
            await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false); // stops the services; the caller disposes
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Since .NET 10 a crashed BackgroundService's exception surfaces from StopAsync.
            Log.Fatal(ex.GetBaseException(), "A service crashed; the gateway stops with exit code 1");
            return Cli.ExitCodes.Failure;
        }
        var crashed = host.Services.GetServices<IHostedService>().OfType<BackgroundService>().Where(s => s.ExecuteTask is { IsFaulted: true }).ToList();
        foreach (var service in crashed)
            Log.Fatal(service.ExecuteTask!.Exception!.GetBaseException(), "{Service} crashed; the gateway stops with exit code 1", service.GetType().Name);
        return crashed.Count > 0 ? Cli.ExitCodes.Failure : Cli.ExitCodes.Ok;
    }

    private static async Task WatchAsync(Func<CancellationToken, Task<bool>> replaced, IHostApplicationLifetime lifetime)
    {
        try
        {
            if (await replaced(lifetime.ApplicationStopping).ConfigureAwait(false))
                lifetime.StopApplication();
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            Log.Error(ex, "Reloading the configuration failed; the gateway runs on the configuration it has");
        }
    }
}
