using System.Globalization;

namespace FacilityGateway.Benchmarks.Gateway;

/// <summary>
/// Issue 14's loads side by side: NG Gateway's published figures (Rust; its Modbus benchmark runs the gateway in a
/// 1-CPU container against a simulator), the goals, this build (<c>FG_GATEWAY_EXE</c>, the self-contained publish
/// that is shipped, or else this folder's build), and a previous build (<c>FG_PREVIOUS_DLL</c>), each load run on this
/// build and then on the previous one. The gateway process only, from /proc.
/// </summary>
public static class NgGatewayComparison
{
    private sealed record Load(string Name, int Devices, int Points, PollingLoad.SinkSet Sinks, double? NgCpu, double? NgRss, double? GoalCpu, double GoalRss);

    private static readonly Load[] Loads =
    [
        new("20 x 50 at 1 s (1,000 points/s), outbox only", 20, 50, PollingLoad.SinkSet.None, null, null, null, 40),
        new("10 x 1,000 at 1 s (10,000 points/s), MQTT + InfluxDB", 10, 1000, PollingLoad.SinkSet.MqttAndInflux, 2.6, 50.8, 2.0, 45),
        new("100 x 1,000 at 1 s (100,000 points/s), MQTT + InfluxDB", 100, 1000, PollingLoad.SinkSet.MqttAndInflux, 7.0, 153, 7.0, 128),
    ];

    /// <summary>Disk written per point at steady state, the goal for every load.</summary>
    private const double GoalWrittenPerPoint = 16;

    public static async Task<int> RunAsync(double seconds, int loads)
    {
        string current = Environment.GetEnvironmentVariable("FG_GATEWAY_EXE") ?? Path.Combine(AppContext.BaseDirectory, "facility-gateway.dll");
        string? previous = Environment.GetEnvironmentVariable("FG_PREVIOUS_DLL");
        var rows = new List<string>();
        foreach (var load in Loads.Take(loads))
        {
            var now = await PollingLoad.MeasureAsync(load.Devices, load.Points, seconds, [], null, load.Sinks, print: false, gatewayDll: current);
            PollingLoad.LoadResult? before = null;
            string? refused = null;
            try
            {
                before = previous is null ? null : await PollingLoad.MeasureAsync(load.Devices, load.Points, seconds, [], null, load.Sinks, print: false, gatewayDll: previous);
            }
            catch (InvalidOperationException ex)
            {
                var lines = ex.Message.Split('\n');
                refused = "did not start: " + (lines.FirstOrDefault(l => l.Contains(": error: ", StringComparison.Ordinal))?.Split(": error: ")[^1] ?? lines[0]);
            }
            rows.Add(Row(load, now, before, refused));
            Console.Error.WriteLine(rows[^1]); // progress: a long run
        }
        Console.WriteLine($"NG Gateway's figures are its own publication's; goals are issue 14's (written per point <= {GoalWrittenPerPoint} B). This build: {current}; previous build: {previous ?? "(FG_PREVIOUS_DLL not set)"}");
        Console.WriteLine("| load | NG Gateway CPU, RSS | goal CPU, RSS | this build CPU, RSS | this build / NG | written per point | sinks keep up | previous build CPU, RSS | written per point | this / previous |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|");
        foreach (var row in rows)
            Console.WriteLine(row);
        return 0;
    }

    private static string Row(Load load, PollingLoad.LoadResult now, PollingLoad.LoadResult? before, string? refused)
    {
        static string Pair(double cpu, double rss) => string.Create(CultureInfo.InvariantCulture, $"{cpu:F2} %, {rss:F1} MiB");
        static string Ratio(double a, double b) => string.Create(CultureInfo.InvariantCulture, $"{a / b:F2}x");
        string ng = load.NgCpu is { } ngCpu ? Pair(ngCpu, load.NgRss!.Value) : "not published";
        string goal = load.GoalCpu is { } goalCpu ? Pair(goalCpu, load.GoalRss) : string.Create(CultureInfo.InvariantCulture, $"-, {load.GoalRss:F0} MiB");
        string versusNg = load.NgCpu is { } c ? $"{Ratio(now.CpuPercent, c)}, {Ratio(now.RssMiB, load.NgRss!.Value)}" : "-";
        string keepsUp = load.Sinks == PollingLoad.SinkSet.None ? "-" : now.SinksKeepUp ? "yes" : "no: " + string.Join(", ", now.SinkLag.Select(l => $"{l.Key} {l.Value:N0} behind"));
        string previous = before is null ? refused ?? "-" : Pair(before.CpuPercent, before.RssMiB);
        string previousWritten = before is null ? "-" : string.Create(CultureInfo.InvariantCulture, $"{before.WrittenPerPoint:F1} B");
        string versusPrevious = before is null ? "-" : $"{Ratio(now.CpuPercent, before.CpuPercent)}, {Ratio(now.RssMiB, before.RssMiB)}";
        return string.Create(CultureInfo.InvariantCulture,
            $"| {load.Name} | {ng} | {goal} | {Pair(now.CpuPercent, now.RssMiB)} | {versusNg} | {now.WrittenPerPoint:F1} B | {keepsUp} | {previous} | {previousWritten} | {versusPrevious} |");
    }
}
