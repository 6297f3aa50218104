using System.Buffers.Binary;

namespace FacilityGateway.Modbus.Protocol;

/// <summary>
/// Encodes request PDUs and checks and decodes response PDUs (MODBUS Application Protocol v1.1b3, section 6).
/// A PDU is the function code followed by its data; framing (MBAP or RTU) is added by <c>Framing</c>.
/// All methods work on caller-owned spans and allocate nothing.
/// </summary>
public static class ModbusPdu
{
    /// <summary>Bit 7 of the function code marks an exception response (section 7).</summary>
    public const byte ExceptionFlag = 0x80;

    /// <summary>Writes a read request (FC 01, 02, 03, 04) and returns its length, 5.</summary>
    public static int WriteReadRequest(Span<byte> pdu, ModbusFunctionCode function, ushort start, ushort count)
    {
        int max = function is ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs
            ? ModbusLimits.MaxReadBits
            : function is ModbusFunctionCode.ReadHoldingRegisters or ModbusFunctionCode.ReadInputRegisters
                ? ModbusLimits.MaxReadRegisters
                : throw new ArgumentOutOfRangeException(nameof(function), function, "Not a read function.");
        CheckRange(start, count, max);
        pdu[0] = (byte)function;                                  // 00     Function code
        BinaryPrimitives.WriteUInt16BigEndian(pdu[1..], start);   // 01-02  Starting address
        BinaryPrimitives.WriteUInt16BigEndian(pdu[3..], count);   // 03-04  Quantity
        return 5;
    }

    /// <summary>Writes FC 05 Write Single Coil (section 6.5) and returns its length, 5.</summary>
    public static int WriteSingleCoilRequest(Span<byte> pdu, ushort address, bool value)
    {
        pdu[0] = (byte)ModbusFunctionCode.WriteSingleCoil;                       // 00     Function code
        BinaryPrimitives.WriteUInt16BigEndian(pdu[1..], address);               // 01-02  Output address
        BinaryPrimitives.WriteUInt16BigEndian(pdu[3..], value ? (ushort)0xFF00 : (ushort)0x0000); // 03-04 ON=FF00, OFF=0000
        return 5;
    }

    /// <summary>Writes FC 06 Write Single Register (section 6.6) and returns its length, 5.</summary>
    public static int WriteSingleRegisterRequest(Span<byte> pdu, ushort address, ushort value)
    {
        pdu[0] = (byte)ModbusFunctionCode.WriteSingleRegister;     // 00     Function code
        BinaryPrimitives.WriteUInt16BigEndian(pdu[1..], address); // 01-02  Register address
        BinaryPrimitives.WriteUInt16BigEndian(pdu[3..], value);   // 03-04  Register value
        return 5;
    }

    /// <summary>Writes FC 15 Write Multiple Coils (section 6.11) and returns its length.</summary>
    public static int WriteMultipleCoilsRequest(Span<byte> pdu, ushort start, ReadOnlySpan<bool> values)
    {
        CheckRange(start, values.Length, ModbusLimits.MaxWriteBits);
        int byteCount = (values.Length + 7) / 8;
        pdu[0] = (byte)ModbusFunctionCode.WriteMultipleCoils;              // 00     Function code
        BinaryPrimitives.WriteUInt16BigEndian(pdu[1..], start);           // 01-02  Starting address
        BinaryPrimitives.WriteUInt16BigEndian(pdu[3..], (ushort)values.Length); // 03-04 Quantity of outputs
        pdu[5] = (byte)byteCount;                                         // 05     Byte count
        PackBits(values, pdu.Slice(6, byteCount));                        // 06-    Outputs value, LSB first
        return 6 + byteCount;
    }

    /// <summary>Writes FC 16 Write Multiple Registers (section 6.12) and returns its length.</summary>
    public static int WriteMultipleRegistersRequest(Span<byte> pdu, ushort start, ReadOnlySpan<ushort> values)
    {
        CheckRange(start, values.Length, ModbusLimits.MaxWriteRegisters);
        pdu[0] = (byte)ModbusFunctionCode.WriteMultipleRegisters;          // 00     Function code
        BinaryPrimitives.WriteUInt16BigEndian(pdu[1..], start);           // 01-02  Starting address
        BinaryPrimitives.WriteUInt16BigEndian(pdu[3..], (ushort)values.Length); // 03-04 Quantity of registers
        pdu[5] = (byte)(values.Length * 2);                               // 05     Byte count
        WriteRegisters(values, pdu[6..]);                                 // 06-    Registers value
        return 6 + values.Length * 2;
    }

    /// <summary>Writes FC 23 Read/Write Multiple Registers (section 6.17) and returns its length.</summary>
    public static int WriteReadWriteRequest(Span<byte> pdu, ushort readStart, ushort readCount, ushort writeStart, ReadOnlySpan<ushort> values)
    {
        CheckRange(readStart, readCount, ModbusLimits.MaxReadRegisters);
        CheckRange(writeStart, values.Length, ModbusLimits.MaxReadWriteWriteRegisters);
        pdu[0] = (byte)ModbusFunctionCode.ReadWriteMultipleRegisters;      // 00     Function code
        BinaryPrimitives.WriteUInt16BigEndian(pdu[1..], readStart);       // 01-02  Read starting address
        BinaryPrimitives.WriteUInt16BigEndian(pdu[3..], readCount);       // 03-04  Quantity to read
        BinaryPrimitives.WriteUInt16BigEndian(pdu[5..], writeStart);      // 05-06  Write starting address
        BinaryPrimitives.WriteUInt16BigEndian(pdu[7..], (ushort)values.Length); // 07-08 Quantity to write
        pdu[9] = (byte)(values.Length * 2);                               // 09     Write byte count
        WriteRegisters(values, pdu[10..]);                                // 10-    Write registers value
        return 10 + values.Length * 2;
    }

    /// <summary>
    /// Checks a response PDU against the request PDU that asked for it. Throws <see cref="ModbusServerException"/>
    /// for an exception response and <see cref="ModbusFramingException"/> when the response does not fit the request.
    /// Returns the data part a caller decodes: the register or bit bytes of a read, empty for a write.
    /// </summary>
    public static ReadOnlySpan<byte> CheckResponse(byte unitId, ReadOnlySpan<byte> request, ReadOnlySpan<byte> response)
    {
        if (response.Length < 2)
            throw new ModbusFramingException(ModbusFramingError.Length, $"Response PDU of {response.Length} bytes is too short.");
        byte function = request[0];
        if (response[0] == (function | ExceptionFlag))
        {
            if (response.Length != 2)
                throw new ModbusFramingException(ModbusFramingError.Length, $"Exception response PDU of {response.Length} bytes; expected 2.");
            var code = (ModbusExceptionCode)response[1];
            if (code == ModbusExceptionCode.None)
                throw new ModbusFramingException(ModbusFramingError.Content, "Exception response with exception code 00.");
            throw new ModbusServerException(unitId, (ModbusFunctionCode)function, code);
        }
        if (response[0] != function)
            throw new ModbusFramingException(ModbusFramingError.Function, $"Response function {response[0]:X2} does not match request function {function:X2}.");

        switch ((ModbusFunctionCode)function)
        {
            case ModbusFunctionCode.ReadCoils:
            case ModbusFunctionCode.ReadDiscreteInputs:
                return CheckByteCount(response, (BinaryPrimitives.ReadUInt16BigEndian(request[3..]) + 7) / 8);
            case ModbusFunctionCode.ReadHoldingRegisters:
            case ModbusFunctionCode.ReadInputRegisters:
                return CheckByteCount(response, BinaryPrimitives.ReadUInt16BigEndian(request[3..]) * 2);
            case ModbusFunctionCode.ReadWriteMultipleRegisters:
                return CheckByteCount(response, BinaryPrimitives.ReadUInt16BigEndian(request[3..]) * 2);
            case ModbusFunctionCode.WriteSingleCoil:
            case ModbusFunctionCode.WriteSingleRegister:
                // Normal response is an echo of the request (sections 6.5, 6.6).
                if (!response.SequenceEqual(request[..5]))
                    throw new ModbusFramingException(response.Length == 5 ? ModbusFramingError.Content : ModbusFramingError.Length, "Write response is not an echo of the request.");
                return [];
            case ModbusFunctionCode.WriteMultipleCoils:
            case ModbusFunctionCode.WriteMultipleRegisters:
                // Normal response: function, starting address, quantity (sections 6.11, 6.12).
                if (response.Length != 5)
                    throw new ModbusFramingException(ModbusFramingError.Length, $"Write response PDU of {response.Length} bytes; expected 5.");
                if (!response[1..5].SequenceEqual(request[1..5]))
                    throw new ModbusFramingException(ModbusFramingError.Content, "Write response address or quantity differs from the request.");
                return [];
            default:
                throw new ArgumentException($"Function {function:X2} is not supported.", nameof(request));
        }
    }

    /// <summary>Decodes big-endian register bytes into registers.</summary>
    public static void ReadRegisters(ReadOnlySpan<byte> data, Span<ushort> registers)
    {
        for (int i = 0; i < registers.Length; i++)
            registers[i] = BinaryPrimitives.ReadUInt16BigEndian(data[(2 * i)..]);
    }

    /// <summary>Encodes registers as big-endian bytes.</summary>
    public static void WriteRegisters(ReadOnlySpan<ushort> registers, Span<byte> data)
    {
        for (int i = 0; i < registers.Length; i++)
            BinaryPrimitives.WriteUInt16BigEndian(data[(2 * i)..], registers[i]);
    }

    /// <summary>Unpacks bits, least significant bit of the first byte first (section 6.1).</summary>
    public static void UnpackBits(ReadOnlySpan<byte> data, Span<bool> bits)
    {
        for (int i = 0; i < bits.Length; i++)
            bits[i] = (data[i >> 3] & (1 << (i & 7))) != 0;
    }

    /// <summary>Packs bits, least significant bit of the first byte first; unused high bits are zero.</summary>
    public static void PackBits(ReadOnlySpan<bool> bits, Span<byte> data)
    {
        data[..((bits.Length + 7) / 8)].Clear();
        for (int i = 0; i < bits.Length; i++)
            if (bits[i])
                data[i >> 3] |= (byte)(1 << (i & 7));
    }

    private static ReadOnlySpan<byte> CheckByteCount(ReadOnlySpan<byte> response, int expected)
    {
        if (response[1] != expected || response.Length != 2 + expected)
            throw new ModbusFramingException(ModbusFramingError.Length,
                $"Response byte count {response[1]} with {response.Length - 2} data bytes; the request asks for {expected}.");
        return response.Slice(2, expected);
    }

    private static void CheckRange(int start, int count, int max)
    {
        if (count < 1 || count > max)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"Quantity must be 1 to {max}.");
        if (start + count > ModbusLimits.AddressSpace)
            throw new ArgumentOutOfRangeException(nameof(start), start, $"Address {start} + quantity {count} runs past 65535.");
    }
}
