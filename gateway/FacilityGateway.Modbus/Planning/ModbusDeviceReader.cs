using System.Buffers;
using FacilityGateway.Modbus.Client;
using FacilityGateway.Modbus.Protocol;

namespace FacilityGateway.Modbus.Planning;

/// <summary>
/// Reads all points of one device with the fewest requests and survives a register map with holes. When a merged read
/// fails with Illegal Data Address, the block is split in halves until the offending point is found or the hole lies
/// between two halves; only that point is marked bad, a cut is remembered so later plans do not merge across it, and
/// every other point keeps its value in the same cycle. Isolated points are re-probed alone every
/// <c>reprobeInterval</c>; one that answers again rejoins the plan. (Telegraf fails the whole device instead.)
/// A transport failure (timeout, lost connection) ends the cycle: the device is unreachable, so its other reads would
/// only hold up the line.
/// Not thread safe: one cycle at a time per device.
/// </summary>
public sealed class ModbusDeviceReader
{
    private readonly IReadOnlyList<PointSpan> _points;
    private readonly ReadPlannerOptions _options;
    private readonly TimeSpan _reprobeInterval;
    private readonly TimeProvider _time;
    private readonly HashSet<int> _cuts = [];
    private readonly Dictionary<int, long> _isolated = []; // point -> timestamp of the next re-probe
    private IReadOnlyList<ReadBlock> _plan;

    /// <summary>Plans reads for the points of one device.</summary>
    public ModbusDeviceReader(IReadOnlyList<PointSpan> points, ReadPlannerOptions? options = null, TimeSpan? reprobeInterval = null, TimeProvider? timeProvider = null)
    {
        _points = points ?? throw new ArgumentNullException(nameof(points));
        _options = options ?? new ReadPlannerOptions();
        _reprobeInterval = reprobeInterval ?? TimeSpan.FromHours(1);
        _time = timeProvider ?? TimeProvider.System;
        _plan = ReadPlanner.Plan(_points, _options);
    }

    /// <summary>The reads one cycle makes now (isolated points not included).</summary>
    public IReadOnlyList<ReadBlock> Plan => _plan;

    /// <summary>Points the device refuses, by index.</summary>
    public IReadOnlyCollection<int> IsolatedPoints => _isolated.Keys;

    /// <summary>Requests sent in the last cycle, isolation and re-probes included.</summary>
    public int RequestsLastCycle { get; private set; }

    /// <summary>A result buffer for this device's points, to pass to every <see cref="ReadAsync"/>.</summary>
    public DeviceReadResult CreateResult() => new(_points);

    /// <summary>Reads every point once into <paramref name="result"/>.</summary>
    public async ValueTask ReadAsync(ModbusClient client, byte unitId, DeviceReadResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(result);
        result.Reset();
        RequestsLastCycle = 0;
        bool replan = false;
        ModbusTransportException? unreachable = null;

        foreach (var block in _plan)
        {
            if (unreachable is not null)
            {
                MarkAll(result, block.Points, PointReadStatus.Failed, unreachable);
                continue;
            }
            try
            {
                replan |= await ReadGroupAsync(client, unitId, block.Points, result, cancellationToken).ConfigureAwait(false);
            }
            catch (ModbusTransportException ex)
            {
                unreachable = ex;
                MarkAll(result, block.Points, PointReadStatus.Failed, ex);
            }
        }

        replan |= await ReprobeAsync(client, unitId, result, unreachable, cancellationToken).ConfigureAwait(false);
        if (replan)
            _plan = ReadPlanner.Plan(_points, _options, _isolated.Keys.ToHashSet(), _cuts);
    }

    /// <summary>Reads a group of points (consecutive in plan order) as one request, bisecting on Illegal Data Address. Returns true when the plan must change.</summary>
    private async ValueTask<bool> ReadGroupAsync(ModbusClient client, byte unitId, IReadOnlyList<int> group, DeviceReadResult result, CancellationToken cancellationToken)
    {
        try
        {
            await ReadSpanAsync(client, unitId, group, result, cancellationToken).ConfigureAwait(false);
            return false;
        }
        catch (ModbusServerException ex) when (ex.Code == ModbusExceptionCode.IllegalDataAddress)
        {
            if (group.Count == 1)
            {
                Isolate(group[0]);
                result.SetFailed(group[0], PointReadStatus.IllegalAddress, ex);
                return true;
            }
            int half = group.Count / 2;
            var left = Slice(group, 0, half);
            var right = Slice(group, half, group.Count - half);
            bool leftChanged = await ReadGroupAsync(client, unitId, left, result, cancellationToken).ConfigureAwait(false);
            bool rightChanged = await ReadGroupAsync(client, unitId, right, result, cancellationToken).ConfigureAwait(false);
            if (!leftChanged && !rightChanged)
            {
                // Both halves read fine alone: the refused address lies between them (or the device refuses the long read).
                var first = _points[right[0]];
                _cuts.Add(ReadPlanner.Cut(first.Table, first.Address));
            }
            return true;
        }
        catch (ModbusServerException ex)
        {
            MarkAll(result, group, PointReadStatus.Failed, ex);
            return false;
        }
    }

    private async ValueTask<bool> ReprobeAsync(ModbusClient client, byte unitId, DeviceReadResult result, ModbusTransportException? unreachable, CancellationToken cancellationToken)
    {
        bool changed = false;
        long now = _time.GetTimestamp();
        foreach (var (point, due) in _isolated.ToArray())
        {
            if (unreachable is not null || now < due)
            {
                if (result.Status(point) == PointReadStatus.NotRead)
                    result.SetFailed(point, PointReadStatus.IllegalAddress, null);
                continue;
            }
            try
            {
                await ReadSpanAsync(client, unitId, [point], result, cancellationToken).ConfigureAwait(false);
                _isolated.Remove(point);
                var p = _points[point];
                _cuts.Remove(ReadPlanner.Cut(p.Table, p.Address));
                _cuts.Remove(ReadPlanner.Cut(p.Table, p.End));
                changed = true;
            }
            catch (ModbusException ex)
            {
                _isolated[point] = now + (long)(_reprobeInterval.TotalSeconds * _time.TimestampFrequency);
                result.SetFailed(point, ex is ModbusServerException { Code: ModbusExceptionCode.IllegalDataAddress } ? PointReadStatus.IllegalAddress : PointReadStatus.Failed, ex);
                if (ex is ModbusTransportException transport)
                    unreachable = transport;
            }
        }
        return changed;
    }

    private void Isolate(int point)
    {
        var p = _points[point];
        _isolated[point] = _time.GetTimestamp() + (long)(_reprobeInterval.TotalSeconds * _time.TimestampFrequency);
        _cuts.Add(ReadPlanner.Cut(p.Table, p.Address));
        _cuts.Add(ReadPlanner.Cut(p.Table, p.End));
    }

    /// <summary>Reads the address span of a group of points of one table and hands each point its part.</summary>
    private async ValueTask ReadSpanAsync(ModbusClient client, byte unitId, IReadOnlyList<int> group, DeviceReadResult result, CancellationToken cancellationToken)
    {
        var table = _points[group[0]].Table;
        int start = int.MaxValue, end = 0;
        foreach (int i in group)
        {
            start = Math.Min(start, _points[i].Address);
            end = Math.Max(end, _points[i].End);
        }
        int count = end - start;
        RequestsLastCycle++;
        if (table.IsBitTable())
        {
            bool[] bits = ArrayPool<bool>.Shared.Rent(count);
            ushort[] words = ArrayPool<ushort>.Shared.Rent(count);
            try
            {
                await client.ReadBitsAsync(unitId, table, (ushort)start, bits.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
                for (int k = 0; k < count; k++)
                    words[k] = bits[k] ? (ushort)1 : (ushort)0;
                Deliver(group, start, words, result);
            }
            finally
            {
                ArrayPool<bool>.Shared.Return(bits);
                ArrayPool<ushort>.Shared.Return(words);
            }
        }
        else
        {
            ushort[] registers = ArrayPool<ushort>.Shared.Rent(count);
            try
            {
                await client.ReadRegistersAsync(unitId, table, (ushort)start, registers.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
                Deliver(group, start, registers, result);
            }
            finally
            {
                ArrayPool<ushort>.Shared.Return(registers);
            }
        }
    }

    private void Deliver(IReadOnlyList<int> group, int start, ushort[] values, DeviceReadResult result)
    {
        foreach (int i in group)
            result.SetGood(i, values.AsSpan(_points[i].Address - start, _points[i].Width));
    }

    private static void MarkAll(DeviceReadResult result, IReadOnlyList<int> points, PointReadStatus status, ModbusException error)
    {
        foreach (int i in points)
            result.SetFailed(i, status, error);
    }

    private static int[] Slice(IReadOnlyList<int> list, int start, int count)
    {
        var slice = new int[count];
        for (int k = 0; k < count; k++)
            slice[k] = list[start + k];
        return slice;
    }
}
