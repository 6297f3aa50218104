using System.Diagnostics;
using FacilityGateway.Outbox;
using FacilityGateway.Tickets;

namespace FacilityGateway.Benchmarks.Gateway;

/// <summary>
/// The outbox's housekeeping on a large file: <c>records</c> telemetry records of about 2 KB (a 50-point poll) that no
/// sink has taken, then a pruning round (bounds hit, so it drops) and a count, as the gateway does every 10 s, and
/// how long a ticket commit queued behind them waits. The commit thread does all of it, so what it costs is what a
/// ticket waits.
/// </summary>
public static class OutboxBounds
{
    public static async Task<int> RunAsync(int records)
    {
        string dir = Directory.CreateTempSubdirectory("fg-bounds-").FullName;
        try
        {
            var options = new OutboxOptions { MaxRecords = Math.Max(1000, records - 10_000), MaxMegabytes = 100_000, MinFreeDiskMegabytes = 0 };
            await using (var outbox = new SqliteOutbox(Path.Combine(dir, "outbox.db"), options, TimeProvider.System))
            {
                var payload = new byte[2048];
                var pending = new List<Task<long>>(10_000);
                for (int i = 0; i < records; i++)
                {
                    pending.Add(await outbox.AppendAsync(OutboxRecordKind.Readings, payload, CancellationToken.None));
                    if (pending.Count == 10_000)
                    {
                        await Task.WhenAll(pending);
                        pending.Clear();
                    }
                }
                await Task.WhenAll(pending);
                await outbox.GetCursorAsync("slow-sink", CancellationToken.None);
            }
            Console.WriteLine($"{records:N0} records of 2 KB ({new FileInfo(Path.Combine(dir, "outbox.db")).Length / 1e6:N0} MB); the bounds drop 10,000");
            Console.WriteLine("| step (on the commit thread) | time |");
            Console.WriteLine("|---|---:|");
            var watch = Stopwatch.StartNew();
            await using (var outbox = new SqliteOutbox(Path.Combine(dir, "outbox.db"), options, TimeProvider.System))
            {
                await outbox.CountersAsync(CancellationToken.None);
                var opened = watch.Elapsed;
                Console.WriteLine($"| open (sizes read from the counters) | {opened.TotalMilliseconds:F1} ms |");
                watch.Restart();
                var prune = outbox.PruneAsync(["slow-sink"], CancellationToken.None);
                var ticket = outbox.TransactAsync([("ticket", "T-1", "{}")], [(OutboxRecordKind.TicketChange, new byte[512])], CancellationToken.None)
                    .ContinueWith(_ => watch.Elapsed, TaskScheduler.Default);
                var (_, dropped, _) = await prune;
                var pruned = watch.Elapsed;
                var ticketWaited = await ticket;
                watch.Restart();
                var counters = await outbox.CountersAsync(CancellationToken.None);
                var counted = watch.Elapsed;
                watch.Restart();
                await outbox.TransactAsync([("ticket", "T-2", "{}")], [(OutboxRecordKind.TicketChange, new byte[512])], CancellationToken.None);
                var commit = watch.Elapsed;
                Console.WriteLine($"| pruning round ({dropped:N0} dropped for size) | {pruned.TotalMilliseconds:F1} ms |");
                Console.WriteLine($"| a ticket commit queued behind it, until stored (synced) | {ticketWaited.TotalMilliseconds:F1} ms |");
                Console.WriteLine($"| counting ({counters.Pending:N0} records, {counters.Bytes / 1e6:N0} MB) | {counted.TotalMilliseconds:F2} ms |");
                Console.WriteLine($"| a ticket commit alone (synced) | {commit.TotalMilliseconds:F1} ms |");
            }
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
