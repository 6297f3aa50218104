namespace FacilityGateway.Modbus.Protocol;

/// <summary>Public function codes this library speaks (MODBUS Application Protocol v1.1b3, section 5.1).</summary>
public enum ModbusFunctionCode : byte
{
    /// <summary>01 (0x01) Read Coils, section 6.1.</summary>
    ReadCoils = 0x01,
    /// <summary>02 (0x02) Read Discrete Inputs, section 6.2.</summary>
    ReadDiscreteInputs = 0x02,
    /// <summary>03 (0x03) Read Holding Registers, section 6.3.</summary>
    ReadHoldingRegisters = 0x03,
    /// <summary>04 (0x04) Read Input Registers, section 6.4.</summary>
    ReadInputRegisters = 0x04,
    /// <summary>05 (0x05) Write Single Coil, section 6.5.</summary>
    WriteSingleCoil = 0x05,
    /// <summary>06 (0x06) Write Single Register, section 6.6.</summary>
    WriteSingleRegister = 0x06,
    /// <summary>15 (0x0F) Write Multiple Coils, section 6.11.</summary>
    WriteMultipleCoils = 0x0F,
    /// <summary>16 (0x10) Write Multiple Registers, section 6.12.</summary>
    WriteMultipleRegisters = 0x10,
    /// <summary>23 (0x17) Read/Write Multiple Registers, section 6.17.</summary>
    ReadWriteMultipleRegisters = 0x17,
}
