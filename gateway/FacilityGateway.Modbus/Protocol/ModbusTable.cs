namespace FacilityGateway.Modbus.Protocol;

/// <summary>The four data tables of the Modbus data model (MODBUS Application Protocol v1.1b3, section 4.3).</summary>
public enum ModbusTable : byte
{
    /// <summary>Single-bit, read-write (FC 01, 05, 15).</summary>
    Coils = 0,
    /// <summary>Single-bit, read-only (FC 02).</summary>
    DiscreteInputs = 1,
    /// <summary>16-bit, read-only (FC 04).</summary>
    InputRegisters = 3,
    /// <summary>16-bit, read-write (FC 03, 06, 16, 23).</summary>
    HoldingRegisters = 4,
}

/// <summary>Facts about <see cref="ModbusTable"/>.</summary>
public static class ModbusTableExtensions
{
    /// <summary>True for coils and discrete inputs, whose items are single bits.</summary>
    public static bool IsBitTable(this ModbusTable table) => table is ModbusTable.Coils or ModbusTable.DiscreteInputs;

    /// <summary>The most items one read request may ask for: 2000 bits (FC 01/02) or 125 registers (FC 03/04).</summary>
    public static int MaxReadCount(this ModbusTable table) =>
        table.IsBitTable() ? ModbusLimits.MaxReadBits : ModbusLimits.MaxReadRegisters;

    /// <summary>The function code that reads this table.</summary>
    public static ModbusFunctionCode ReadFunction(this ModbusTable table) => table switch
    {
        ModbusTable.Coils => ModbusFunctionCode.ReadCoils,
        ModbusTable.DiscreteInputs => ModbusFunctionCode.ReadDiscreteInputs,
        ModbusTable.InputRegisters => ModbusFunctionCode.ReadInputRegisters,
        ModbusTable.HoldingRegisters => ModbusFunctionCode.ReadHoldingRegisters,
        _ => throw new ArgumentOutOfRangeException(nameof(table), table, "Unknown Modbus table."),
    };
}
