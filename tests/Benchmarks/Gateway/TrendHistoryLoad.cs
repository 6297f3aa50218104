using System.Diagnostics;
using FacilityGateway.Dashboard.History;
using FacilityGateway.Readings;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FacilityGateway.Benchmarks.Gateway;

/// <summary>
/// The dashboard's trend history at steady state: <c>points</c> points, a reading of each every 5 s, through the real
/// <see cref="TrendHistory"/> and its SQLite file, on a fake clock that runs a day and more in minutes (the file, its
/// WAL, its checkpoints and its pruning are the real ones). Prints the file's size per point and what the process
/// wrote (<c>/proc/self/io</c>) per point per day, measured over the last 24 simulated hours, after the minute tier
/// is full and pruning.
/// </summary>
public static class TrendHistoryLoad
{
    private const int PointsPerDevice = 50;

    public static async Task<int> RunAsync(int points, double hours)
    {
        string directory = Directory.CreateTempSubdirectory("fg-history-").FullName;
        string path = Path.Combine(directory, "history.db");
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        using var history = new TrendHistory(new TrendHistoryPlan(true, path, points), time, NullLogger<TrendHistory>.Instance);
        await history.StartAsync(CancellationToken.None);
        await history.Ready;
        var step = TimeSpan.FromSeconds(5);
        long steps = (long)(hours * 3600 / step.TotalSeconds), measureFrom = steps - (long)(24 * 3600 / step.TotalSeconds);
        (long Wchar, long WriteBytes) io0 = default;
        var cpu0 = TimeSpan.Zero;
        long readings = 0;
        var stopwatch = Stopwatch.StartNew();
        for (long s = 0; s < steps; s++)
        {
            if (s == measureFrom)
            {
                io0 = PollingLoad.Io(Environment.ProcessId);
                cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                readings = 0;
            }
            var now = time.GetUtcNow();
            for (int d = 0; d * PointsPerDevice < points; d++)
            {
                var batch = new Reading[Math.Min(PointsPerDevice, points - d * PointsPerDevice)];
                for (int p = 0; p < batch.Length; p++)
                    batch[p] = new Reading($"dev{d}", $"p{p}", 100 + Math.Sin(s / 720.0 + p) * 10, null, "kW", Quality.Good, now);
                await history.ConsumeAsync(new ReadingBatch($"dev{d}", "plant", now, batch), CancellationToken.None);
                readings += batch.Length;
            }
            time.Advance(step);
            if (s % 12 == 11) // each simulated minute, wait for the store's thread (a query queues behind the writes), as real time would
                await history.QueryAsync("dev0", "p0", TrendRange.Hour, CancellationToken.None);
        }
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        var io1 = PollingLoad.Io(Environment.ProcessId);
        await history.StopAsync(CancellationToken.None);
        long file = new FileInfo(path).Length + (File.Exists(path + "-wal") ? new FileInfo(path + "-wal").Length : 0);
        Console.WriteLine(FormattableString.Invariant($"trend history: {points:N0} points, a reading each every {step.TotalSeconds} s, {hours} simulated hours in {stopwatch.Elapsed.TotalSeconds:F0} s; lost buckets: {history.WriteFailures}"));
        Console.WriteLine("| points | file | file per point | written per point per day (wchar) | to the block device per point per day | CPU per reading (folded and stored) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine(FormattableString.Invariant($"| {points:N0} | {file / 1048576.0:F1} MiB | {file / (double)points / 1024:F1} KiB | {(io1.Wchar - io0.Wchar) / (double)points / 1024:F1} KiB | {(io1.WriteBytes - io0.WriteBytes) / (double)points / 1024:F1} KiB | {cpu.TotalMicroseconds / Math.Max(1, readings):F2} µs |"));
        Directory.Delete(directory, recursive: true);
        return history.WriteFailures == 0 ? 0 : 1;
    }
}
