using System.Buffers.Binary;
using FacilityGateway.Modbus.Protocol;

namespace FacilityGateway.Modbus.Server;

/// <summary>
/// Answers one request PDU from a data store (MODBUS Application Protocol v1.1b3, section 6, the server state diagrams):
/// function unknown gives 01, quantity out of range gives 03, address + quantity out of range gives 02.
/// Allocation-free apart from stack buffers.
/// </summary>
public static class ModbusRequestHandler
{
    /// <summary>Writes the response PDU for <paramref name="request"/> into <paramref name="response"/> and returns its length.</summary>
    public static int Handle(IModbusDataStore store, byte unitId, ReadOnlySpan<byte> request, Span<byte> response)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (request.IsEmpty)
            return Exception(response, 0, ModbusExceptionCode.IllegalFunction);
        byte function = request[0];
        int length;
        var code = (ModbusFunctionCode)function switch
        {
            ModbusFunctionCode.ReadCoils or ModbusFunctionCode.ReadDiscreteInputs => ReadBits(store, unitId, request, response, out length),
            ModbusFunctionCode.ReadHoldingRegisters or ModbusFunctionCode.ReadInputRegisters => ReadRegisters(store, unitId, request, response, out length),
            ModbusFunctionCode.WriteSingleCoil => WriteSingleCoil(store, unitId, request, response, out length),
            ModbusFunctionCode.WriteSingleRegister => WriteSingleRegister(store, unitId, request, response, out length),
            ModbusFunctionCode.WriteMultipleCoils => WriteMultipleCoils(store, unitId, request, response, out length),
            ModbusFunctionCode.WriteMultipleRegisters => WriteMultipleRegisters(store, unitId, request, response, out length),
            ModbusFunctionCode.ReadWriteMultipleRegisters => ReadWriteMultipleRegisters(store, unitId, request, response, out length),
            _ => IllegalFunction(out length),
        };
        return code == ModbusExceptionCode.None ? length : Exception(response, function, code);
    }

    private static ModbusExceptionCode IllegalFunction(out int length)
    {
        length = 0;
        return ModbusExceptionCode.IllegalFunction;
    }

    /// <summary>Writes an exception response (function | 0x80, code) and returns its length, 2.</summary>
    public static int Exception(Span<byte> response, byte function, ModbusExceptionCode code)
    {
        response[0] = (byte)(function | ModbusPdu.ExceptionFlag);
        response[1] = (byte)code;
        return 2;
    }

    private static ModbusExceptionCode ReadBits(IModbusDataStore store, byte unit, ReadOnlySpan<byte> request, Span<byte> response, out int length)
    {
        length = 0;
        if (request.Length != 5)
            return ModbusExceptionCode.IllegalDataValue;
        ushort start = BinaryPrimitives.ReadUInt16BigEndian(request[1..]);
        int count = BinaryPrimitives.ReadUInt16BigEndian(request[3..]);
        if (count is < 1 or > ModbusLimits.MaxReadBits)
            return ModbusExceptionCode.IllegalDataValue;
        if (start + count > ModbusLimits.AddressSpace)
            return ModbusExceptionCode.IllegalDataAddress;
        Span<bool> bits = stackalloc bool[count];
        var table = request[0] == (byte)ModbusFunctionCode.ReadCoils ? ModbusTable.Coils : ModbusTable.DiscreteInputs;
        var code = store.ReadBits(unit, table, start, bits);
        if (code != ModbusExceptionCode.None)
            return code;
        int byteCount = (count + 7) / 8;
        response[0] = request[0];
        response[1] = (byte)byteCount;
        ModbusPdu.PackBits(bits, response.Slice(2, byteCount));
        length = 2 + byteCount;
        return ModbusExceptionCode.None;
    }

    private static ModbusExceptionCode ReadRegisters(IModbusDataStore store, byte unit, ReadOnlySpan<byte> request, Span<byte> response, out int length)
    {
        length = 0;
        if (request.Length != 5)
            return ModbusExceptionCode.IllegalDataValue;
        ushort start = BinaryPrimitives.ReadUInt16BigEndian(request[1..]);
        int count = BinaryPrimitives.ReadUInt16BigEndian(request[3..]);
        var table = request[0] == (byte)ModbusFunctionCode.ReadHoldingRegisters ? ModbusTable.HoldingRegisters : ModbusTable.InputRegisters;
        return ReadRegisterBlock(store, unit, table, request[0], start, count, response, out length);
    }

    private static ModbusExceptionCode ReadRegisterBlock(IModbusDataStore store, byte unit, ModbusTable table, byte function, ushort start, int count, Span<byte> response, out int length)
    {
        length = 0;
        if (count is < 1 or > ModbusLimits.MaxReadRegisters)
            return ModbusExceptionCode.IllegalDataValue;
        if (start + count > ModbusLimits.AddressSpace)
            return ModbusExceptionCode.IllegalDataAddress;
        Span<ushort> registers = stackalloc ushort[count];
        var code = store.ReadRegisters(unit, table, start, registers);
        if (code != ModbusExceptionCode.None)
            return code;
        response[0] = function;
        response[1] = (byte)(count * 2);
        ModbusPdu.WriteRegisters(registers, response[2..]);
        length = 2 + count * 2;
        return ModbusExceptionCode.None;
    }

    private static ModbusExceptionCode WriteSingleCoil(IModbusDataStore store, byte unit, ReadOnlySpan<byte> request, Span<byte> response, out int length)
    {
        length = 0;
        if (request.Length != 5)
            return ModbusExceptionCode.IllegalDataValue;
        ushort address = BinaryPrimitives.ReadUInt16BigEndian(request[1..]);
        ushort value = BinaryPrimitives.ReadUInt16BigEndian(request[3..]);
        if (value is not (0xFF00 or 0x0000))
            return ModbusExceptionCode.IllegalDataValue;
        var code = store.WriteCoils(unit, address, [value == 0xFF00]);
        if (code != ModbusExceptionCode.None)
            return code;
        request.CopyTo(response);
        length = 5;
        return ModbusExceptionCode.None;
    }

    private static ModbusExceptionCode WriteSingleRegister(IModbusDataStore store, byte unit, ReadOnlySpan<byte> request, Span<byte> response, out int length)
    {
        length = 0;
        if (request.Length != 5)
            return ModbusExceptionCode.IllegalDataValue;
        ushort address = BinaryPrimitives.ReadUInt16BigEndian(request[1..]);
        ushort value = BinaryPrimitives.ReadUInt16BigEndian(request[3..]);
        var code = store.WriteHoldingRegisters(unit, address, [value]);
        if (code != ModbusExceptionCode.None)
            return code;
        request.CopyTo(response);
        length = 5;
        return ModbusExceptionCode.None;
    }

    private static ModbusExceptionCode WriteMultipleCoils(IModbusDataStore store, byte unit, ReadOnlySpan<byte> request, Span<byte> response, out int length)
    {
        length = 0;
        if (request.Length < 6)
            return ModbusExceptionCode.IllegalDataValue;
        ushort start = BinaryPrimitives.ReadUInt16BigEndian(request[1..]);
        int count = BinaryPrimitives.ReadUInt16BigEndian(request[3..]);
        int byteCount = request[5];
        if (count is < 1 or > ModbusLimits.MaxWriteBits || byteCount != (count + 7) / 8 || request.Length != 6 + byteCount)
            return ModbusExceptionCode.IllegalDataValue;
        if (start + count > ModbusLimits.AddressSpace)
            return ModbusExceptionCode.IllegalDataAddress;
        Span<bool> bits = stackalloc bool[count];
        ModbusPdu.UnpackBits(request.Slice(6, byteCount), bits);
        var code = store.WriteCoils(unit, start, bits);
        if (code != ModbusExceptionCode.None)
            return code;
        request[..5].CopyTo(response);
        length = 5;
        return ModbusExceptionCode.None;
    }

    private static ModbusExceptionCode WriteMultipleRegisters(IModbusDataStore store, byte unit, ReadOnlySpan<byte> request, Span<byte> response, out int length)
    {
        length = 0;
        if (request.Length < 6)
            return ModbusExceptionCode.IllegalDataValue;
        ushort start = BinaryPrimitives.ReadUInt16BigEndian(request[1..]);
        int count = BinaryPrimitives.ReadUInt16BigEndian(request[3..]);
        int byteCount = request[5];
        if (count is < 1 or > ModbusLimits.MaxWriteRegisters || byteCount != count * 2 || request.Length != 6 + byteCount)
            return ModbusExceptionCode.IllegalDataValue;
        if (start + count > ModbusLimits.AddressSpace)
            return ModbusExceptionCode.IllegalDataAddress;
        Span<ushort> registers = stackalloc ushort[count];
        ModbusPdu.ReadRegisters(request[6..], registers);
        var code = store.WriteHoldingRegisters(unit, start, registers);
        if (code != ModbusExceptionCode.None)
            return code;
        request[..5].CopyTo(response);
        length = 5;
        return ModbusExceptionCode.None;
    }

    private static ModbusExceptionCode ReadWriteMultipleRegisters(IModbusDataStore store, byte unit, ReadOnlySpan<byte> request, Span<byte> response, out int length)
    {
        length = 0;
        if (request.Length < 10)
            return ModbusExceptionCode.IllegalDataValue;
        ushort readStart = BinaryPrimitives.ReadUInt16BigEndian(request[1..]);
        int readCount = BinaryPrimitives.ReadUInt16BigEndian(request[3..]);
        ushort writeStart = BinaryPrimitives.ReadUInt16BigEndian(request[5..]);
        int writeCount = BinaryPrimitives.ReadUInt16BigEndian(request[7..]);
        int byteCount = request[9];
        if (writeCount is < 1 or > ModbusLimits.MaxReadWriteWriteRegisters || byteCount != writeCount * 2 || request.Length != 10 + byteCount
            || readCount is < 1 or > ModbusLimits.MaxReadRegisters)
            return ModbusExceptionCode.IllegalDataValue;
        if (writeStart + writeCount > ModbusLimits.AddressSpace)
            return ModbusExceptionCode.IllegalDataAddress;
        Span<ushort> registers = stackalloc ushort[writeCount];
        ModbusPdu.ReadRegisters(request[10..], registers);
        // The write is performed before the read (section 6.17).
        var code = store.WriteHoldingRegisters(unit, writeStart, registers);
        if (code != ModbusExceptionCode.None)
            return code;
        return ReadRegisterBlock(store, unit, ModbusTable.HoldingRegisters, request[0], readStart, readCount, response, out length);
    }
}
