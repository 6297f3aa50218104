using FacilityGateway.Modbus.Protocol;

namespace FacilityGateway.Modbus.Planning;

/// <summary>
/// Plans the fewest reads that cover a device's points. Points are sorted by table and address and split into runs of
/// consecutive points; a run is one read when its span fits the table's limit, no hole in it is wider than
/// <see cref="ReadPlannerOptions.MaxGap"/>, and it crosses no cut (an address boundary found to break merged reads).
/// Among all such splits the planner returns one with the fewest reads (dynamic programming, O(points x run length)).
/// </summary>
public static class ReadPlanner
{
    /// <summary>Encodes a cut at <paramref name="address"/> of <paramref name="table"/>: no read may contain both <c>address - 1</c> and <c>address</c>.</summary>
    public static int Cut(ModbusTable table, int address) => (int)table << 17 | address;

    /// <summary>
    /// Plans reads for <paramref name="points"/>, leaving out the indexes in <paramref name="excluded"/> and honouring
    /// <paramref name="cuts"/> (see <see cref="Cut"/>). Throws <see cref="ArgumentException"/> for a point wider than its table's limit.
    /// </summary>
    public static IReadOnlyList<ReadBlock> Plan(IReadOnlyList<PointSpan> points, ReadPlannerOptions options, IReadOnlySet<int>? excluded = null, IReadOnlySet<int>? cuts = null)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(options);
        var order = Enumerable.Range(0, points.Count)
            .Where(i => excluded is null || !excluded.Contains(i))
            .OrderBy(i => points[i].Table).ThenBy(i => points[i].Address).ThenBy(i => points[i].End).ThenBy(i => i)
            .ToArray();
        foreach (int i in order)
        {
            var p = points[i];
            if (p.Width < 1 || p.Width > options.LimitFor(p.Table) || p.End > ModbusLimits.AddressSpace)
                throw new ArgumentException($"Point {i} ({p.Table} {p.Address}, width {p.Width}) does not fit one read of at most {options.LimitFor(p.Table)}.", nameof(points));
        }

        int n = order.Length;
        var best = new int[n + 1];   // best[i]: fewest reads for order[i..]
        var runEnd = new int[n + 1]; // last index of the first run in that best split
        for (int i = n - 1; i >= 0; i--)
        {
            best[i] = int.MaxValue;
            foreach (int j in FeasibleRunEnds(points, order, i, options, cuts))
            {
                if (best[j + 1] + 1 <= best[i]) // ties go to the longer run
                {
                    best[i] = best[j + 1] + 1;
                    runEnd[i] = j;
                }
            }
        }

        var blocks = new List<ReadBlock>(n == 0 ? 0 : best[0]);
        for (int i = 0; i < n; i = runEnd[i] + 1)
        {
            var first = points[order[i]];
            int end = first.End;
            var members = new int[runEnd[i] - i + 1];
            for (int k = i; k <= runEnd[i]; k++)
            {
                end = Math.Max(end, points[order[k]].End);
                members[k - i] = order[k];
            }
            blocks.Add(new ReadBlock(first.Table, first.Address, (ushort)(end - first.Address), members));
        }
        return blocks;
    }

    /// <summary>The last indexes j such that order[i..j] is one feasible read; stops at the first infeasible j (feasibility only shrinks).</summary>
    private static IEnumerable<int> FeasibleRunEnds(IReadOnlyList<PointSpan> points, int[] order, int i, ReadPlannerOptions options, IReadOnlySet<int>? cuts)
    {
        var first = points[order[i]];
        int limit = options.LimitFor(first.Table);
        int maxEnd = first.End;
        yield return i;
        for (int j = i + 1; j < order.Length; j++)
        {
            var p = points[order[j]];
            if (p.Table != first.Table)
                yield break;
            if (p.Address - maxEnd > options.MaxGap)
                yield break;
            int newEnd = Math.Max(maxEnd, p.End);
            if (newEnd - first.Address > limit)
                yield break;
            if (cuts is not null && CrossesCut(cuts, first.Table, first.Address, newEnd))
                yield break;
            maxEnd = newEnd;
            yield return j;
        }
    }

    private static bool CrossesCut(IReadOnlySet<int> cuts, ModbusTable table, int start, int end)
    {
        if (cuts.Count == 0)
            return false;
        for (int address = start + 1; address < end; address++)
            if (cuts.Contains(Cut(table, address)))
                return true;
        return false;
    }
}
