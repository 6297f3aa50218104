namespace FacilityGateway.Modbus.Protocol;

/// <summary>Quantity limits from MODBUS Application Protocol v1.1b3, section 6.</summary>
public static class ModbusLimits
{
    /// <summary>FC 01/02: 1 to 2000 bits (0x7D0).</summary>
    public const int MaxReadBits = 2000;
    /// <summary>FC 03/04: 1 to 125 registers (0x7D).</summary>
    public const int MaxReadRegisters = 125;
    /// <summary>FC 15: 1 to 1968 bits (0x7B0).</summary>
    public const int MaxWriteBits = 1968;
    /// <summary>FC 16: 1 to 123 registers (0x7B).</summary>
    public const int MaxWriteRegisters = 123;
    /// <summary>FC 23: write part 1 to 121 registers (0x79).</summary>
    public const int MaxReadWriteWriteRegisters = 121;
    /// <summary>A PDU is at most 253 bytes (section 4.1).</summary>
    public const int MaxPduLength = 253;
    /// <summary>Largest address plus one: the address space is 0..65535.</summary>
    public const int AddressSpace = 65536;
}
