namespace FacilityGateway.Modbus.Codec;

/// <summary>How a point's registers or bit are interpreted.</summary>
public enum ModbusDataType
{
    /// <summary>A coil or discrete input (one bit of a bit table).</summary>
    Bool,
    /// <summary>One bit (0 = least significant) of a 16-bit register; see <see cref="RegisterFormat.BitIndex"/>.</summary>
    Bit,
    /// <summary>Signed 16-bit, one register.</summary>
    Int16,
    /// <summary>Unsigned 16-bit, one register.</summary>
    UInt16,
    /// <summary>Signed 32-bit, two registers.</summary>
    Int32,
    /// <summary>Unsigned 32-bit, two registers.</summary>
    UInt32,
    /// <summary>Signed 64-bit, four registers.</summary>
    Int64,
    /// <summary>Unsigned 64-bit, four registers.</summary>
    UInt64,
    /// <summary>IEEE 754 single, two registers.</summary>
    Float32,
    /// <summary>IEEE 754 double, four registers.</summary>
    Float64,
    /// <summary>ASCII text, two characters per register; see <see cref="RegisterFormat.StringRegisters"/>.</summary>
    String,
}

/// <summary>
/// Byte and word order of multi-byte values, named by where the bytes of the big-endian value A B C D end up
/// on the wire. The letters extend to 64-bit values in the same pattern.
/// </summary>
public enum ByteOrder
{
    /// <summary>Big-endian: registers high word first, each register high byte first (the Modbus default).</summary>
    ABCD,
    /// <summary>Word swap: registers low word first, each register high byte first (many meters, "little-endian word order").</summary>
    CDAB,
    /// <summary>Byte swap: registers high word first, each register low byte first.</summary>
    BADC,
    /// <summary>Little-endian: registers low word first, each register low byte first.</summary>
    DCBA,
}
