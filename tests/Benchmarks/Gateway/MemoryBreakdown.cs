using System.Globalization;
using Microsoft.Diagnostics.Runtime;

namespace FacilityGateway.Benchmarks.Gateway;

/// <summary>
/// Where a running gateway's memory is, from outside: its resident pages by mapping (<c>/proc/PID/smaps</c>) and its
/// managed heap by type (ClrMD on a snapshot of the process, so the gateway is paused only while the snapshot is made).
/// Printed by the load verbs under <c>FG_BENCH_MEMORY=1</c>, after their figures.
/// <para>
/// The snapshot reads every committed page of the gateway, and pages it had committed but never touched become
/// resident: measured, a soak's gateway went from 124 to 289 MiB of RSS at the snapshot and stayed above 240 MiB. So it
/// comes last in a run, and never in the middle of one whose RSS is the result.
/// </para>
/// </summary>
internal static class MemoryBreakdown
{
    /// <summary>Both breakdowns of the gateway process <paramref name="pid"/>.</summary>
    public static int Print(int pid)
    {
        PrintMappings(pid);
        PrintHeap(pid);
        return 0;
    }

    /// <summary>Resident kB by mapping: each file by name, anonymous memory as one line, the largest <paramref name="top"/>.</summary>
    public static void PrintMappings(int pid, int top = 15)
    {
        var rss = new Dictionary<string, long>(StringComparer.Ordinal);
        string current = "";
        long anonymous = 0, file = 0;
        foreach (string line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            if (IsHeader(line))
            {
                var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
                current = fields.Length > 5 ? fields[5].Trim() : "(anonymous)";
                if (current.StartsWith("/memfd:", StringComparison.Ordinal))
                    current = "(memfd: runtime's double-mapped code)";
            }
            else if (line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                long kb = long.Parse(line[4..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                rss[current] = rss.GetValueOrDefault(current) + kb;
                if (current.StartsWith('/'))
                    file += kb;
            }
            else if (line.StartsWith("Anonymous:", StringComparison.Ordinal))
                anonymous += long.Parse(line[10..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        Console.WriteLine(FormattableString.Invariant($"  resident by mapping: anonymous {anonymous / 1024.0:F1} MiB, file-backed {file / 1024.0:F1} MiB"));
        foreach (var (name, kb) in rss.OrderByDescending(p => p.Value).Take(top))
            Console.WriteLine(FormattableString.Invariant($"    {kb / 1024.0,7:F1} MiB  {name}"));
    }

    private static bool IsHeader(string line)
    {
        // "55d0c-55d0e r-xp 00000000 08:01 1234   /path": an address range in lower-case hex, then permissions; the
        // fields under it are "Name:   value kB".
        int space = line.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
            return false;
        foreach (char c in line.AsSpan(0, space))
            if (!(c is '-' or (>= '0' and <= '9') or (>= 'a' and <= 'f')))
                return false;
        return true;
    }

    /// <summary>The managed heap's objects by type, live or not yet collected, the largest <paramref name="top"/> by bytes.</summary>
    public static void PrintHeap(int pid, int top = 25)
    {
        // A Native AOT build (the shipped one) has no diagnostics socket and no DAC: ClrMD cannot read its heap, and
        // the gateway's own /metrics (dotnet_gc_*) is its account of the managed heap.
        if (Directory.GetFiles(Path.GetTempPath(), $"dotnet-diagnostic-{pid}-*-socket").Length == 0)
        {
            Console.WriteLine("  managed heap by type: not readable (no diagnostics socket: a Native AOT build); see the gateway's own dotnet_gc_* figures");
            return;
        }
        using var target = DataTarget.CreateSnapshotAndAttach(pid);
        var clr = target.ClrVersions[0];
        // The DAC beside the runtime the gateway runs on (a self-contained build carries its own): ClrMD's own search
        // wants it signed or from a symbol server, neither of which Linux builds here have.
        string dac = Path.Combine(Path.GetDirectoryName(clr.ModuleInfo.FileName)!, "libmscordaccore.so");
        using var runtime = clr.CreateRuntime(dac, ignoreMismatch: true);
        var heap = runtime.Heap;
        var byType = new Dictionary<string, (long Bytes, long Count)>(StringComparer.Ordinal);
        long total = 0;
        foreach (var segment in heap.Segments)
            foreach (var obj in segment.EnumerateObjects())
            {
                if (!obj.IsValid || obj.IsFree)
                    continue;
                string name = obj.Type?.Name ?? "(unknown)";
                long size = (long)obj.Size;
                var (bytes, count) = byType.GetValueOrDefault(name);
                byType[name] = (bytes + size, count + 1);
                total += size;
            }
        Console.WriteLine(FormattableString.Invariant($"  managed heap: {total / 1048576.0:F1} MiB in {byType.Values.Sum(v => v.Count):N0} objects (not only live: what a collection has not yet freed counts too)"));
        foreach (var (name, (bytes, count)) in byType.OrderByDescending(p => p.Value.Bytes).Take(top))
            Console.WriteLine(FormattableString.Invariant($"    {bytes / 1048576.0,7:F2} MiB {count,10:N0}  {name}"));
    }
}
