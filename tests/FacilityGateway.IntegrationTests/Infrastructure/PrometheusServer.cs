using System.Text.Json;

namespace FacilityGateway.IntegrationTests.Infrastructure;

/// <summary>Debian's Prometheus on a loopback port, scraping one target every second, in a temporary folder.</summary>
public sealed class PrometheusServer : LoopbackServer
{
    private PrometheusServer(PeerProcess process, string directory, int port) : base(process, directory, port)
    {
    }

    /// <summary>Starts one that scrapes <paramref name="target"/> (host:port) as job <c>gateway</c>.</summary>
    public static async Task<PrometheusServer> StartAsync(string target)
    {
        string prometheus = PeerTools.Require("prometheus", "prometheus");
        string dir = Directory.CreateTempSubdirectory("fg-prometheus-").FullName;
        int port = FreePort.Next();
        string config = Path.Combine(dir, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global: {"{"} scrape_interval: 1s, scrape_timeout: 1s {"}"}
            scrape_configs:
              - job_name: gateway
                static_configs: [{"{"} targets: ["{target}"] {"}"}]
            """);
        var process = PeerProcess.Start(prometheus, $"--config.file={config}", $"--storage.tsdb.path={dir}/data", $"--web.listen-address=127.0.0.1:{port}");
        await process.WaitForLineAsync(l => l.Contains("Server is ready to receive web requests", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        return new PrometheusServer(process, dir, port);
    }

    /// <summary>The instant vector of a PromQL query: each series' labels and value.</summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> QueryAsync(string promQl)
    {
        using var http = new HttpClient { BaseAddress = new Uri(Url) };
        string json = await http.GetStringAsync($"/api/v1/query?query={Uri.EscapeDataString(promQl)}");
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray().Select(series => (
            (IReadOnlyDictionary<string, string>)series.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
            double.Parse(series.GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture)))];
    }

    /// <summary>Queries until the result has a series (Prometheus scrapes every second), at most <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> WaitForAsync(string promQl, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var result = await QueryAsync(promQl);
            if (result.Count > 0 || DateTime.UtcNow > until)
                return result;
            await Task.Delay(250);
        }
    }
}
