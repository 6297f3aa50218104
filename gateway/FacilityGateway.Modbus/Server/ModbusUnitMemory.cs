using System.Collections;
using FacilityGateway.Modbus.Protocol;

namespace FacilityGateway.Modbus.Server;

/// <summary>
/// The four tables of one unit in memory. Every address is valid until <see cref="Define"/> is called for a table;
/// from then on only defined ranges are, and reading anything else gives Illegal Data Address, as real meters do.
/// Tables are allocated on first use. All members are thread safe.
/// </summary>
public sealed class ModbusUnitMemory
{
    private readonly object _lock = new();
    private readonly bool[]?[] _bits = new bool[]?[2];
    private readonly ushort[]?[] _registers = new ushort[]?[2];
    private readonly BitArray?[] _defined = new BitArray?[4];

    /// <summary>Marks <paramref name="count"/> addresses from <paramref name="start"/> of a table as existing.</summary>
    public void Define(ModbusTable table, ushort start, int count)
    {
        lock (_lock)
        {
            var map = _defined[Index(table)] ??= new BitArray(ModbusLimits.AddressSpace);
            for (int i = start; i < start + count && i < ModbusLimits.AddressSpace; i++)
                map[i] = true;
        }
    }

    /// <summary>Sets registers (input or holding) without address checks.</summary>
    public void SetRegisters(ModbusTable table, ushort start, ReadOnlySpan<ushort> values)
    {
        lock (_lock)
            values.CopyTo(Registers(table).AsSpan(start));
    }

    /// <summary>Sets one register.</summary>
    public void SetRegister(ModbusTable table, ushort address, ushort value) => SetRegisters(table, address, [value]);

    /// <summary>Sets bits (coils or discrete inputs) without address checks.</summary>
    public void SetBits(ModbusTable table, ushort start, ReadOnlySpan<bool> values)
    {
        lock (_lock)
            values.CopyTo(Bits(table).AsSpan(start));
    }

    /// <summary>Reads registers without address checks.</summary>
    public void GetRegisters(ModbusTable table, ushort start, Span<ushort> values)
    {
        lock (_lock)
            Registers(table).AsSpan(start, values.Length).CopyTo(values);
    }

    /// <summary>Reads one register without address checks.</summary>
    public ushort GetRegister(ModbusTable table, ushort address)
    {
        Span<ushort> one = stackalloc ushort[1];
        GetRegisters(table, address, one);
        return one[0];
    }

    /// <summary>Reads bits without address checks.</summary>
    public void GetBits(ModbusTable table, ushort start, Span<bool> values)
    {
        lock (_lock)
            Bits(table).AsSpan(start, values.Length).CopyTo(values);
    }

    internal ModbusExceptionCode ReadRegisters(ModbusTable table, ushort start, Span<ushort> values)
    {
        lock (_lock)
        {
            if (!IsDefined(table, start, values.Length))
                return ModbusExceptionCode.IllegalDataAddress;
            Registers(table).AsSpan(start, values.Length).CopyTo(values);
            return ModbusExceptionCode.None;
        }
    }

    internal ModbusExceptionCode WriteRegisters(ModbusTable table, ushort start, ReadOnlySpan<ushort> values)
    {
        lock (_lock)
        {
            if (!IsDefined(table, start, values.Length))
                return ModbusExceptionCode.IllegalDataAddress;
            values.CopyTo(Registers(table).AsSpan(start));
            return ModbusExceptionCode.None;
        }
    }

    internal ModbusExceptionCode ReadBits(ModbusTable table, ushort start, Span<bool> values)
    {
        lock (_lock)
        {
            if (!IsDefined(table, start, values.Length))
                return ModbusExceptionCode.IllegalDataAddress;
            Bits(table).AsSpan(start, values.Length).CopyTo(values);
            return ModbusExceptionCode.None;
        }
    }

    internal ModbusExceptionCode WriteBits(ModbusTable table, ushort start, ReadOnlySpan<bool> values)
    {
        lock (_lock)
        {
            if (!IsDefined(table, start, values.Length))
                return ModbusExceptionCode.IllegalDataAddress;
            values.CopyTo(Bits(table).AsSpan(start));
            return ModbusExceptionCode.None;
        }
    }

    private bool IsDefined(ModbusTable table, int start, int count)
    {
        if (start + count > ModbusLimits.AddressSpace)
            return false;
        var map = _defined[Index(table)];
        if (map is null)
            return true;
        for (int i = start; i < start + count; i++)
            if (!map[i])
                return false;
        return true;
    }

    private ushort[] Registers(ModbusTable table) => table switch
    {
        ModbusTable.InputRegisters => _registers[0] ??= new ushort[ModbusLimits.AddressSpace],
        ModbusTable.HoldingRegisters => _registers[1] ??= new ushort[ModbusLimits.AddressSpace],
        _ => throw new ArgumentOutOfRangeException(nameof(table), table, "Not a register table."),
    };

    private bool[] Bits(ModbusTable table) => table switch
    {
        ModbusTable.Coils => _bits[0] ??= new bool[ModbusLimits.AddressSpace],
        ModbusTable.DiscreteInputs => _bits[1] ??= new bool[ModbusLimits.AddressSpace],
        _ => throw new ArgumentOutOfRangeException(nameof(table), table, "Not a bit table."),
    };

    private static int Index(ModbusTable table) => table switch
    {
        ModbusTable.Coils => 0,
        ModbusTable.DiscreteInputs => 1,
        ModbusTable.InputRegisters => 2,
        ModbusTable.HoldingRegisters => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(table)),
    };
}
