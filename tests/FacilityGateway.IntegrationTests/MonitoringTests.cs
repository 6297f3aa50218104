using System.Globalization;
using System.Net;
using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Modbus.Framing;
using FacilityGateway.Modbus.Server;
using FacilityGateway.Monitoring;
using Microsoft.Extensions.DependencyInjection;

namespace FacilityGateway.IntegrationTests;

/// <summary>/metrics scraped by a real Prometheus, /healthz and /readyz, and systemd's notify socket and watchdog, against the real gateway.</summary>
public sealed class MonitoringTests
{
    private static string Executable => Path.Combine(AppContext.BaseDirectory, "facility-gateway.dll");
    private static readonly TimeSpan Scrape = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Metrics_ScrapedByARealPrometheus_CountPollsFailuresByCauseCrcErrorsResponseTimesAndTickets_AndHealthAnswers200()
    {
        var store = new ModbusDataStore(1);
        await using var meter = new ModbusTcpServer(store);
        meter.Start();
        int requests = 0;
        // Every other answer of the RTU-over-TCP drive has a damaged CRC: its polls succeed on retry, the wire's errors show.
        await using var drive = new ModbusTcpServer(store, new ModbusServerOptions
        {
            Framing = RtuFraming.Instance,
            Faults = _ => Interlocked.Increment(ref requests) % 2 == 0 ? ModbusFault.Corrupt : ModbusFault.None,
        });
        drive.Start();
        int port = FreePort.Next();
        string directory = Directory.CreateTempSubdirectory("fg-metrics-").FullName;
        string config = Path.Combine(directory, "gateway.yaml");
        await File.WriteAllTextAsync(config, $$"""
            gateway: { id: gw, site: site }
            assets: [{ id: a, name: 配电柜, type: meter }]
            devices:
              - { id: 电表, asset: a, endpoint: "tcp://127.0.0.1:{{meter.LocalEndPoint.Port}}", unit: 1, interval: 200ms, points: [{ id: p, holding: 0 }] }
              - { id: drive, asset: a, endpoint: "rtu+tcp://127.0.0.1:{{drive.LocalEndPoint.Port}}", unit: 1, interval: 200ms, retries: 3, points: [{ id: p, holding: 0 }] }
              - { id: dead, asset: a, endpoint: "tcp://127.0.0.1:1", unit: 1, interval: 200ms, points: [{ id: p, holding: 0 }] }
            monitoring: { enabled: true, listen: "127.0.0.1:{{port}}" }
            """);
        try
        {
            await using var gateway = PeerProcess.Start("dotnet", Executable, "run", "--config", config);
            await gateway.WaitForLineAsync(l => l.Contains("Monitoring on", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            // Ready once every service has started (the sources start after monitoring): "Monitoring on" alone raced it.
            await gateway.WaitForLineAsync(l => l.Contains("Application started", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            using (var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") })
            {
                using var live = await http.GetAsync("/healthz");
                string liveText = await live.Content.ReadAsStringAsync();
                Assert.True(live.StatusCode == HttpStatusCode.OK, liveText);
                Assert.StartsWith("Healthy", liveText, StringComparison.Ordinal);
                using var ready = await http.GetAsync("/readyz");
                Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            }
            // The container's health check: the same answer through the command line.
            var healthOutput = new StringWriter();
            var healthError = new StringWriter();
            Assert.True(await FacilityGateway.Cli.GatewayCommands.InvokeAsync(["health", "--config", config], healthOutput, healthError) == 0, healthError.ToString());
            Assert.StartsWith("Healthy", healthOutput.ToString(), StringComparison.Ordinal);

            await using var prometheus = await PrometheusServer.StartAsync($"127.0.0.1:{port}");
            Assert.Single(await prometheus.WaitForAsync("up{job=\"gateway\"} == 1", Scrape));
            Assert.Single(await prometheus.WaitForAsync("facility_gateway_device_polls_total{device=\"电表\"} > 2", Scrape)); // Unicode labels intact
            Assert.Single(await prometheus.WaitForAsync("facility_gateway_device_poll_failures_total{device=\"dead\",cause=\"connection\"} > 0", Scrape));
            Assert.Single(await prometheus.WaitForAsync("facility_gateway_modbus_crc_errors_total{device=\"drive\"} > 0", Scrape));
            Assert.Empty(await prometheus.QueryAsync("facility_gateway_device_poll_failures_total{device=\"drive\"}")); // cured by the retries
            Assert.Single(await prometheus.WaitForAsync("facility_gateway_device_response_time_seconds_bucket{device=\"电表\",le=\"+Inf\"} > 0", Scrape));
            Assert.NotEmpty(await prometheus.WaitForAsync("facility_gateway_line_busy_seconds_total > 0", Scrape));
            Assert.Single(await prometheus.WaitForAsync("facility_gateway_tickets_open{priority=\"P2\"} >= 1", Scrape)); // the dead device's communication loss
            Assert.Single(await prometheus.WaitForAsync("dotnet_process_memory_working_set_bytes > 0", Scrape));
            // The outbox reports every 10 s.
            var size = Assert.Single(await prometheus.WaitForAsync("facility_gateway_outbox_size_bytes > 0", Scrape));
            Assert.True(size.Value > 4096, size.Value.ToString(CultureInfo.InvariantCulture));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task SystemdNotify_TheRealProcess_SaysReadyWithStatus_PetsTheWatchdog_AndSaysStopping()
    {
        await using var site = await OneDeviceSite.CreateAsync();
        using var notify = new NotifySocket();
        var environment = new Dictionary<string, string> { ["NOTIFY_SOCKET"] = notify.Path, ["WATCHDOG_USEC"] = "1000000" };
        await using var gateway = PeerProcess.StartWith(site.Directory, environment, "dotnet", Executable, "run", "--config", site.ConfigPath);
        var (ready, before) = await notify.WaitForAsync(m => m.Contains("READY=1", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        Assert.Empty(before); // nothing before ready
        Assert.Contains("STATUS=Running: 1 device(s), outbox open", ready, StringComparison.Ordinal);
        Assert.Equal("WATCHDOG=1", await notify.NextAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("WATCHDOG=1", await notify.NextAsync(TimeSpan.FromSeconds(10)));

        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", gateway.ProcessId.ToString(CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        var (stopping, _) = await notify.WaitForAsync(m => m.Contains("STOPPING=1", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.Contains("STATUS=Stopping", stopping, StringComparison.Ordinal);
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Watchdog_IsNotPetted_WhileTheOutboxThreadHangs_AndIsPettedAgainOnceItMoves()
    {
        var store = new ModbusDataStore(1);
        await using var server = new ModbusTcpServer(store);
        server.Start();
        using var notify = new NotifySocket();
        var environment = new Dictionary<string, string> { ["NOTIFY_SOCKET"] = notify.Path, ["WATCHDOG_USEC"] = "400000" };
        await using var gateway = await GatewayUnderTest.StartAsync($$"""
            gateway: { id: gw, site: site }
            assets: [{ id: a, name: A, type: meter }]
            devices: [{ id: d, asset: a, endpoint: "tcp://127.0.0.1:{{server.LocalEndPoint.Port}}", unit: 1, interval: 100ms, points: [{ id: p, holding: 0 }] }]
            """, services =>
        {
            services.AddSingleton(new PipelineHealthCheck.Limits(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(30)));
            services.AddSingleton(sp => ActivatorUtilities.CreateInstance<SystemdService>(sp, (Func<string, string?>)(name => environment.GetValueOrDefault(name))));
        });
        await notify.WaitForAsync(m => m.Contains("READY=1", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        await notify.WaitForAsync(m => m == "WATCHDOG=1", TimeSpan.FromSeconds(10));

        var release = new TaskCompletionSource();
        var outbox = gateway.Services.GetRequiredService<FacilityGateway.Outbox.OutboxService>().Outbox;
        var hung = outbox.HangAsync(release.Task); // the outbox thread blocks, as on a hung SD card
        var (stuck, _) = await notify.WaitForAsync(m => m.StartsWith("STATUS=Not petting the watchdog", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.Contains("the outbox thread did not answer within 0.3 s", stuck, StringComparison.Ordinal);
        var systemd = gateway.Services.GetRequiredService<SystemdService>();
        long pets = systemd.Pets;
        // Two more checks fail while it hangs: no pet in between.
        await notify.WaitForAsync(m => m.StartsWith("STATUS=Not petting", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        await notify.WaitForAsync(m => m.StartsWith("STATUS=Not petting", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.Equal(pets, systemd.Pets);

        release.SetResult();
        await hung;
        var (again, _) = await notify.WaitForAsync(m => m.StartsWith("WATCHDOG=1", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.Contains("STATUS=Running", again, StringComparison.Ordinal); // the status says it runs again
    }
}
