using System.Globalization;

namespace FacilityGateway.IntegrationTests.Infrastructure;

/// <summary>A server peer started in a temporary folder on a loopback port; disposing stops it and removes the folder.</summary>
public abstract class LoopbackServer(PeerProcess process, string directory, int port) : IAsyncDisposable
{
    public string Url { get; } = $"http://127.0.0.1:{port}";

    public async ValueTask DisposeAsync()
    {
        await process.DisposeAsync();
        Directory.Delete(directory, recursive: true);
        GC.SuppressFinalize(this);
    }
}

/// <summary>Debian's InfluxDB 1.x (the v1 /write API) on loopback ports, in a temporary folder.</summary>
public sealed class InfluxDb1Server : LoopbackServer
{
    private InfluxDb1Server(PeerProcess process, string directory, int port) : base(process, directory, port)
    {
    }

    /// <summary>Starts one; <paramref name="maxBodySize"/> makes it answer 413 to larger write requests.</summary>
    public static async Task<InfluxDb1Server> StartAsync(int? maxBodySize = null)
    {
        string influxd = PeerTools.Require("influxd", "influxdb");
        string dir = Directory.CreateTempSubdirectory("fg-influx-").FullName;
        int port = FreePort.Next(), rpc = FreePort.Next();
        string config = Path.Combine(dir, "influxdb.conf");
        await File.WriteAllTextAsync(config, $"""
            reporting-disabled = true
            bind-address = "127.0.0.1:{rpc}"
            [meta]
              dir = "{dir}/meta"
            [data]
              dir = "{dir}/data"
              wal-dir = "{dir}/wal"
              query-log-enabled = false
            [http]
              enabled = true
              bind-address = "127.0.0.1:{port}"
              log-enabled = false
              {(maxBodySize is { } limit ? $"max-body-size = {limit}" : "")}
            [monitor]
              store-enabled = false
            """);
        var process = PeerProcess.Start(influxd, "run", "-config", config);
        await process.WaitForLineAsync(l => l.Contains("Listening on HTTP", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        return new InfluxDb1Server(process, dir, port);
    }

    /// <summary>Runs an InfluxQL statement and returns the JSON response.</summary>
    public async Task<string> QueryAsync(string database, string influxQl)
    {
        using var http = new HttpClient { BaseAddress = new Uri(Url) };
        using var content = new FormUrlEncodedContent(new Dictionary<string, string> { ["db"] = database, ["q"] = influxQl, ["epoch"] = "ms" });
        using var response = await http.PostAsync("/query", content);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"InfluxQL {influxQl}: {(int)response.StatusCode} {text}");
        return text;
    }

}

/// <summary>Debian's VictoriaMetrics, which accepts InfluxDB's v2 write API (/api/v2/write) and exports what it stored.</summary>
public sealed class VictoriaMetricsServer : LoopbackServer
{
    private VictoriaMetricsServer(PeerProcess process, string directory, int port) : base(process, directory, port)
    {
    }

    public static async Task<VictoriaMetricsServer> StartAsync()
    {
        string vm = PeerTools.Require("victoria-metrics", "victoria-metrics");
        string dir = Directory.CreateTempSubdirectory("fg-vm-").FullName;
        int port = FreePort.Next();
        var process = PeerProcess.Start(vm, $"-httpListenAddr=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", $"-storageDataPath={dir}", "-retentionPeriod=100y", "-search.disableCache");
        await process.WaitForLineAsync(l => l.Contains("starting http server at", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        return new VictoriaMetricsServer(process, dir, port);
    }

    /// <summary>Everything stored for series matching <paramref name="selector"/>, as export JSON lines.</summary>
    public async Task<string> ExportAsync(string selector)
    {
        using var http = new HttpClient { BaseAddress = new Uri(Url) };
        (await http.GetAsync("/internal/force_flush")).Dispose();
        return await http.GetStringAsync($"/api/v1/export?match[]={Uri.EscapeDataString(selector)}");
    }

}
