using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FacilityGateway.Benchmarks.Gateway;

/// <summary>Real peers for benchmarks, started on free loopback ports and killed on dispose.</summary>
public sealed class Peer : IAsyncDisposable
{
    private readonly Process _process;

    private Peer(Process process, int port, string url)
    {
        _process = process;
        Port = port;
        Url = url;
    }

    public int Port { get; }
    public string Url { get; }

    public static async Task<Peer> MosquittoAsync(string dir)
    {
        int port = FreePort();
        string conf = Path.Combine(dir, "mosquitto.conf");
        await File.WriteAllTextAsync(conf, $"listener {port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n{(Environment.UserName == "root" ? "user root\n" : "")}");
        return await StartAsync("mosquitto", ["-c", conf], port, $"mqtt://127.0.0.1:{port}");
    }

    public static async Task<Peer> InfluxAsync(string dir)
    {
        int port = FreePort(), rpc = FreePort();
        string conf = Path.Combine(dir, "influxdb.conf");
        await File.WriteAllTextAsync(conf, $"reporting-disabled = true\nbind-address = \"127.0.0.1:{rpc}\"\n[meta]\n  dir = \"{dir}/meta\"\n[data]\n  dir = \"{dir}/data\"\n  wal-dir = \"{dir}/wal\"\n  query-log-enabled = false\n[http]\n  bind-address = \"127.0.0.1:{port}\"\n  log-enabled = false\n[monitor]\n  store-enabled = false\n");
        var peer = await StartAsync("influxd", ["run", "-config", conf], port, $"http://127.0.0.1:{port}");
        using var http = new HttpClient();
        using var body = new FormUrlEncodedContent(new Dictionary<string, string> { ["q"] = "CREATE DATABASE facility" });
        (await http.PostAsync($"{peer.Url}/query", body)).EnsureSuccessStatusCode();
        return peer;
    }

    public static Task<Peer> VictoriaMetricsAsync(string dir)
    {
        int port = FreePort();
        return StartAsync("victoria-metrics", [$"-httpListenAddr=127.0.0.1:{port}", $"-storageDataPath={dir}/vm"], port, $"http://127.0.0.1:{port}");
    }

    private static async Task<Peer> StartAsync(string program, string[] args, int port, string url)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        for (int i = 0; i < 300; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return new Peer(process, port, url);
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        process.Kill();
        throw new InvalidOperationException($"{program} did not listen on {port}");
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
