using System.Globalization;

namespace FacilityGateway.Benchmarks.Gateway;

/// <summary>
/// Issue 14's soak: the shipped build (<c>FG_GATEWAY_EXE</c>) at 10 x 1,000 points every second to a real Mosquitto and
/// InfluxDB 1.x for an hour, its RSS sampled every minute. Memory must grow with points, not with time or polls: the
/// verdict compares the last ten minutes with minutes 5-15 (the first minutes are JIT tiering and the sinks' first
/// batches).
/// </summary>
public static class MemorySoak
{
    public static async Task<int> RunAsync(double minutes, int devices, int points)
    {
        string build = Environment.GetEnvironmentVariable("FG_GATEWAY_EXE") ?? Path.Combine(AppContext.BaseDirectory, "facility-gateway.dll");
        var result = await PollingLoad.MeasureAsync(devices, points, minutes * 60, [], null, PollingLoad.SinkSet.MqttAndInflux, print: true, gatewayDll: build,
            sampleEvery: TimeSpan.FromMinutes(1));
        Console.WriteLine(FormattableString.Invariant($"soak: {build}, {devices} x {points} at 1 s to Mosquitto and InfluxDB 1.x for {minutes:F0} min; sinks keep up: {(result.SinksKeepUp ? "yes" : "no")}"));
        Console.WriteLine("| minutes | RSS |");
        Console.WriteLine("|---:|---:|");
        foreach (var (at, rss) in result.Samples.Where((_, i) => i % 5 == 0 || i == result.Samples.Count - 1))
            Console.WriteLine(FormattableString.Invariant($"| {at:F0} | {rss:F1} MiB |"));
        var early = result.Samples.Where(s => s.Minutes >= 5 && s.Minutes < 15).Select(s => s.RssMiB).DefaultIfEmpty(double.NaN).Average();
        var late = result.Samples.Where(s => s.Minutes >= minutes - 10).Select(s => s.RssMiB).DefaultIfEmpty(double.NaN).Average();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RSS minutes 5-15: {early:F1} MiB; last 10 minutes: {late:F1} MiB; growth {(late - early) / early * 100:F1} % (goal <= 5 %); CPU {result.CpuPercent:F2} %; written per point {result.WrittenPerPoint:F1} B"));
        return 0;
    }
}
