using FacilityGateway.Modbus.Protocol;

namespace FacilityGateway.Modbus.Planning;

/// <summary>Where one point lives: its table, first address (zero-based, as on the wire) and width in registers or bits.</summary>
public readonly record struct PointSpan(ModbusTable Table, ushort Address, ushort Width)
{
    /// <summary>One past the last address.</summary>
    public int End => Address + Width;
}

/// <summary>One read request of a plan: a table, a start, a count, and the points (by index into the caller's list) it serves.</summary>
public sealed record ReadBlock(ModbusTable Table, ushort Start, ushort Count, IReadOnlyList<int> Points)
{
    /// <summary>One past the last address read.</summary>
    public int End => Start + Count;
}

/// <summary>How the planner may merge points into reads.</summary>
public sealed record ReadPlannerOptions
{
    /// <summary>
    /// Most unused registers (or bits) a read may span between two points. 0 merges only adjacent points; a larger gap
    /// trades wire bytes for fewer requests. Reading across a gap fails on devices whose register map has holes, which
    /// the device reader then isolates.
    /// </summary>
    public int MaxGap { get; init; } = 8;

    /// <summary>Most registers per read, at most 125 (FC 03/04). Some devices accept fewer.</summary>
    public int MaxRegistersPerRead { get; init; } = ModbusLimits.MaxReadRegisters;

    /// <summary>Most bits per read, at most 2000 (FC 01/02).</summary>
    public int MaxBitsPerRead { get; init; } = ModbusLimits.MaxReadBits;

    /// <summary>The read limit that applies to a table.</summary>
    public int LimitFor(ModbusTable table) => table.IsBitTable()
        ? Math.Min(MaxBitsPerRead, ModbusLimits.MaxReadBits)
        : Math.Min(MaxRegistersPerRead, ModbusLimits.MaxReadRegisters);
}
