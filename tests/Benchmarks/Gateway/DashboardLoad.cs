using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using FacilityGateway.Dashboard.History;
using FacilityGateway.Modbus.Codec;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;
using Microsoft.Playwright;

namespace FacilityGateway.Benchmarks.Gateway;

/// <summary>
/// The dashboard's page with 1,000 live points (20 Modbus TCP devices of 50, polled every second by the real gateway
/// executable) in Debian's headless Chromium: from navigation to every point shown with its value, and a week's trend
/// of one point (672 quarter hours from a seeded history file of every point) from the tap to the chart drawn. Each
/// on this machine's CPU and with Chromium's CPU throttled 4x (a phone-class core). <c>FG_GATEWAY_DLL</c> runs another
/// build on the same load (a build without trends measures the live page only).
/// </summary>
public static class DashboardLoad
{
    public static async Task<int> RunAsync(int runs)
    {
        const int devices = 20, points = 50;
        string directory = Directory.CreateTempSubdirectory("fg-dashboard-").FullName;
        Directory.CreateDirectory(Path.Combine(directory, "data"));
        SeedHistory(Path.Combine(directory, "data", "history.db"), devices, points);
        var servers = new List<ModbusTcpServer>();
        int port = FreePort();
        var yaml = new StringBuilder($$"""
            gateway: { id: dashboard-bench, site: bench, data_directory: {{directory}}/data }
            logging: { level: warning }
            assets: [{ id: plant, name: Plant, type: other }]
            dashboard: { enabled: true, listen: "127.0.0.1:{{port}}" }
            devices:

            """);
        PollingLoad.AddDevices(yaml, devices, points, TimeSpan.FromSeconds(1), servers);
        string config = Path.Combine(directory, "dashboard.yaml");
        await File.WriteAllTextAsync(config, yaml.ToString());
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, ArgumentList = { Environment.GetEnvironmentVariable("FG_GATEWAY_DLL") ?? Path.Combine(AppContext.BaseDirectory, "facility-gateway.dll"), "run", "--config", config } };
        using var gateway = Process.Start(info)!;
        _ = gateway.StandardOutput.ReadToEndAsync();
        _ = gateway.StandardError.ReadToEndAsync();
        var address = new Uri($"http://127.0.0.1:{port}/");
        try
        {
            using var http = new HttpClient();
            int overviewBytes = 0;
            for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline; await Task.Delay(500))
            {
                try
                {
                    string overview = await http.GetStringAsync(new Uri(address, "api/overview"));
                    overviewBytes = Encoding.UTF8.GetByteCount(overview);
                    if (overview.Split("\"quality\":\"good\"").Length - 1 >= devices * points)
                        break;
                }
                catch (HttpRequestException)
                {
                }
            }
            var answer = new List<double>();
            for (int r = 0; r < runs; r++)
            {
                var watch = Stopwatch.StartNew();
                _ = await http.GetByteArrayAsync(new Uri(address, "api/overview"));
                answer.Add(watch.Elapsed.TotalMilliseconds);
            }
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ["--no-sandbox", "--disable-dev-shm-usage"] });
            Console.WriteLine(FormattableString.Invariant($"dashboard: {devices * points:N0} points live, /api/overview {overviewBytes / 1024.0:F0} KiB answered in {Median(answer):F1} ms; {runs} runs each, median (slowest)"));
            Console.WriteLine("| Chromium CPU | page to all 1,000 values shown | week trend (672 buckets) drawn |");
            Console.WriteLine("|---|---:|---:|");
            foreach (int throttle in (int[])[1, 4])
            {
                var load = new List<double>();
                var trend = new List<double>();
                for (int r = 0; r < runs; r++)
                {
                    await using var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
                    var page = await context.NewPageAsync();
                    var cdp = await context.NewCDPSessionAsync(page);
                    await cdp.SendAsync("Emulation.setCPUThrottlingRate", new Dictionary<string, object> { ["rate"] = throttle });
                    await page.GotoAsync(address.ToString(), new() { WaitUntil = WaitUntilState.Commit }); // the wait below starts at once
                    // Checked at each animation frame; the time is taken in the frame that first has every value (the one painted next).
                    await page.WaitForFunctionAsync($"() => document.querySelectorAll('[data-point]').length >= {devices * points} && !document.querySelector('[data-point] .muted') && (window.shownAt ??= performance.now())");
                    load.Add(await page.EvaluateAsync<double>("() => window.shownAt"));
                    if (r == 0)
                        Console.WriteLine(await page.EvaluateAsync<string>("() => performance.getEntriesByType('resource').map(e => e.name.split('/').pop() + ' ' + Math.round(e.startTime) + '+' + Math.round(e.duration)).join(', ') + ' / dom ' + Math.round(performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd) + ' / drawn ' + performance.getEntriesByType('measure').map(m => Math.round(m.startTime) + '+' + Math.round(m.duration)).join(' ')"));
                    if (await page.Locator("nav [data-view='trends']").CountAsync() == 0)
                        continue; // a build without trends
                    await page.Locator("[data-point='dev0/p0'] a").ClickAsync();
                    await page.Locator("#chart canvas").WaitForAsync();
                    var watch = Stopwatch.StartNew();
                    await page.Locator("#trend-ranges [data-range='week']").ClickAsync();
                    await page.Locator("#chart[data-range='week'] canvas").WaitForAsync();
                    trend.Add(watch.Elapsed.TotalMilliseconds);
                }
                Console.WriteLine(FormattableString.Invariant($"| {(throttle == 1 ? "this machine" : $"throttled {throttle}x")} | {Median(load):F0} ms ({load.Max():F0}) | {(trend.Count == 0 ? "no trends" : $"{Median(trend):F0} ms ({trend.Max():F0})")} |"));
            }
            return 0;
        }
        finally
        {
            gateway.Kill(entireProcessTree: true);
            foreach (var server in servers)
                await server.DisposeAsync();
        }
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A week of every point in the history file, as a gateway that ran that week would have left it.</summary>
    private static void SeedHistory(string path, int devices, int points)
    {
        var now = DateTimeOffset.UtcNow;
        using var history = new TrendStore(path, now);
        int columns = devices * points;
        var buckets = new List<(TrendTier, long, byte[])>();
        foreach (var tier in TrendTier.All)
            for (long start = tier.StartOf(now - tier.Kept + tier.Width); start < tier.StartOf(now); start += (long)tier.Width.TotalSeconds)
            {
                var bucket = new TrendAccumulator(start);
                for (int c = 0; c < columns; c++)
                    bucket.Add(c, 50 + 20 * Math.Sin(start / 43200.0 + c));
                buckets.Add((tier, start, bucket.Encode(columns)));
            }
        history.Write([.. Enumerable.Range(0, columns).Select(c => (c, $"dev{c / points}", $"p{c % points}"))], buckets, now);
    }
}
