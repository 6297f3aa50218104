using CsCheck;
using FacilityGateway.Modbus.Planning;
using FacilityGateway.Modbus.Protocol;

namespace FacilityGateway.Modbus.Tests;

public class ReadPlannerTests
{
    [Fact]
    public void Plan_MergesAcrossSmallGaps_SplitsAtLargeOnes()
    {
        PointSpan[] points =
        [
            new(ModbusTable.HoldingRegisters, 0, 2),
            new(ModbusTable.HoldingRegisters, 4, 2),   // gap 2: merged
            new(ModbusTable.HoldingRegisters, 20, 1),  // gap 14: new read
            new(ModbusTable.InputRegisters, 0, 1),     // other table: new read
        ];
        var plan = ReadPlanner.Plan(points, new ReadPlannerOptions { MaxGap = 4 });
        Assert.Collection(plan.OrderByDescending(b => b.Table).ThenBy(b => b.Start),
            b => Assert.Equal((ModbusTable.HoldingRegisters, 0, 6), (b.Table, (int)b.Start, (int)b.Count)),
            b => Assert.Equal((ModbusTable.HoldingRegisters, 20, 1), (b.Table, (int)b.Start, (int)b.Count)),
            b => Assert.Equal((ModbusTable.InputRegisters, 0, 1), (b.Table, (int)b.Start, (int)b.Count)));
    }

    [Fact]
    public void Plan_NeverExceeds125Registers()
    {
        var points = Enumerable.Range(0, 200).Select(i => new PointSpan(ModbusTable.HoldingRegisters, (ushort)i, 1)).ToArray();
        var plan = ReadPlanner.Plan(points, new ReadPlannerOptions());
        Assert.Equal([125, 75], plan.Select(b => (int)b.Count));
    }

    [Fact]
    public void Plan_PointWiderThanLimit_IsRefused()
    {
        PointSpan[] points = [new(ModbusTable.HoldingRegisters, 0, 20)];
        Assert.Throws<ArgumentException>(() => ReadPlanner.Plan(points, new ReadPlannerOptions { MaxRegistersPerRead = 10 }));
    }

    private static readonly Gen<PointSpan> PointGen =
        Gen.Select(Gen.Int[0, 2].Select(i => new[] { ModbusTable.Coils, ModbusTable.HoldingRegisters, ModbusTable.InputRegisters }[i]), Gen.UShort[0, 300], Gen.UShort[1, 4])
            .Select((t, a, w) => new PointSpan(t, a, w));

    private static readonly Gen<ReadPlannerOptions> OptionsGen =
        Gen.Select(Gen.Int[0, 10], Gen.Int[4, 125], Gen.Int[8, 2000])
            .Select((gap, regs, bits) => new ReadPlannerOptions { MaxGap = gap, MaxRegistersPerRead = regs, MaxBitsPerRead = bits });

    [Fact]
    public void Plan_CoversEveryPointExactlyOnce_AndRespectsEveryLimit() =>
        Gen.Select(PointGen.Array[0, 60], OptionsGen).Sample((points, options) =>
        {
            var plan = ReadPlanner.Plan(points, options);
            var seen = plan.SelectMany(b => b.Points).ToList();
            Assert.Equal(Enumerable.Range(0, points.Length), seen.Order());
            foreach (var block in plan)
            {
                Assert.InRange(block.Count, 1, options.LimitFor(block.Table));
                Assert.True(block.End <= ModbusLimits.AddressSpace);
                foreach (int i in block.Points)
                {
                    Assert.Equal(block.Table, points[i].Table);
                    Assert.True(points[i].Address >= block.Start && points[i].End <= block.End);
                }
                AssertNoHoleWiderThan(points, block, options.MaxGap);
            }
        }, iter: 2000);

    [Fact]
    public void Plan_IsMinimal_ComparedWithExhaustiveSearch() =>
        Gen.Select(PointGen.Array[0, 9], OptionsGen).Sample((points, options) =>
        {
            var plan = ReadPlanner.Plan(points, options);
            Assert.Equal(BruteForceMinimum(points, options), plan.Count);
        }, iter: 2000);

    [Fact]
    public void Plan_HonoursCutsAndExclusions() =>
        Gen.Select(PointGen.Array[1, 40], Gen.Int[0, 300].Array[0, 5]).Sample((points, cutAddresses) =>
        {
            var cuts = cutAddresses.SelectMany(a => new[] { ReadPlanner.Cut(ModbusTable.HoldingRegisters, a), ReadPlanner.Cut(ModbusTable.Coils, a) }).ToHashSet();
            var excluded = new HashSet<int> { 0 };
            var plan = ReadPlanner.Plan(points, new ReadPlannerOptions { MaxGap = 10 }, excluded, cuts);
            Assert.DoesNotContain(0, plan.SelectMany(b => b.Points));
            foreach (var block in plan.Where(b => b.Points.Count > 1))
                foreach (int a in cutAddresses)
                    Assert.False(block.Start < a && a < block.End && block.Table != ModbusTable.InputRegisters, $"block {block} crosses cut {a}");
        }, iter: 1000);

    private static void AssertNoHoleWiderThan(PointSpan[] points, ReadBlock block, int maxGap)
    {
        var covered = new bool[block.Count];
        foreach (int i in block.Points)
            for (int a = points[i].Address; a < points[i].End; a++)
                covered[a - block.Start] = true;
        int run = 0;
        foreach (bool c in covered)
        {
            run = c ? 0 : run + 1;
            Assert.True(run <= maxGap, $"hole of {run} > {maxGap} in {block}");
        }
    }

    /// <summary>Fewest reads over every split of the sorted points into consecutive runs (exponential; small inputs only).</summary>
    private static int BruteForceMinimum(PointSpan[] points, ReadPlannerOptions options)
    {
        var sorted = points.OrderBy(p => p.Table).ThenBy(p => p.Address).ThenBy(p => p.End).ToArray();
        int n = sorted.Length;
        if (n == 0)
            return 0;
        int best = int.MaxValue;
        for (int mask = 0; mask < 1 << (n - 1); mask++) // bit k set: a read ends after point k
        {
            int count = 0, start = 0;
            bool ok = true;
            for (int k = 0; k < n && ok; k++)
            {
                if (k == n - 1 || (mask & (1 << k)) != 0)
                {
                    ok = Feasible(sorted.AsSpan(start, k - start + 1), options);
                    count++;
                    start = k + 1;
                }
            }
            if (ok)
                best = Math.Min(best, count);
        }
        return best;
    }

    private static bool Feasible(ReadOnlySpan<PointSpan> run, ReadPlannerOptions options)
    {
        int maxEnd = run[0].End;
        for (int i = 1; i < run.Length; i++)
        {
            if (run[i].Table != run[0].Table || run[i].Address - maxEnd > options.MaxGap)
                return false;
            maxEnd = Math.Max(maxEnd, run[i].End);
        }
        return maxEnd - run[0].Address <= options.LimitFor(run[0].Table);
    }
}
