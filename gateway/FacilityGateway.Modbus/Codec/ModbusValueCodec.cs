using System.Buffers.Binary;
using System.Text;

namespace FacilityGateway.Modbus.Codec;

/// <summary>
/// Turns registers into typed values and back, for every <see cref="ModbusDataType"/> and <see cref="ByteOrder"/>.
/// Registers are first put into canonical big-endian byte order (A B C D ...), then read as the type. Allocation-free
/// except for strings.
/// </summary>
public static class ModbusValueCodec
{
    /// <summary>Decodes a numeric (or bit) value as a double. 64-bit integers beyond 2^53 lose precision; use <see cref="DecodeInt64"/>.</summary>
    public static double DecodeDouble(ReadOnlySpan<ushort> registers, RegisterFormat format)
    {
        return format.Type switch
        {
            ModbusDataType.Bool => registers[0] != 0 ? 1 : 0,
            ModbusDataType.Bit => (registers[0] >> format.BitIndex) & 1,
            ModbusDataType.Int16 => (short)Canonical16(registers, format.Order),
            ModbusDataType.UInt16 => Canonical16(registers, format.Order),
            ModbusDataType.Int32 => BinaryPrimitives.ReadInt32BigEndian(Canonical(registers, 2, format.Order, stackalloc byte[4])),
            ModbusDataType.UInt32 => BinaryPrimitives.ReadUInt32BigEndian(Canonical(registers, 2, format.Order, stackalloc byte[4])),
            ModbusDataType.Float32 => BinaryPrimitives.ReadSingleBigEndian(Canonical(registers, 2, format.Order, stackalloc byte[4])),
            ModbusDataType.Int64 => BinaryPrimitives.ReadInt64BigEndian(Canonical(registers, 4, format.Order, stackalloc byte[8])),
            ModbusDataType.UInt64 => BinaryPrimitives.ReadUInt64BigEndian(Canonical(registers, 4, format.Order, stackalloc byte[8])),
            ModbusDataType.Float64 => BinaryPrimitives.ReadDoubleBigEndian(Canonical(registers, 4, format.Order, stackalloc byte[8])),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format.Type, "Not a numeric type."),
        };
    }

    /// <summary>Decodes an integer type exactly.</summary>
    public static long DecodeInt64(ReadOnlySpan<ushort> registers, RegisterFormat format) => format.Type switch
    {
        ModbusDataType.Int64 => BinaryPrimitives.ReadInt64BigEndian(Canonical(registers, 4, format.Order, stackalloc byte[8])),
        ModbusDataType.UInt64 => unchecked((long)BinaryPrimitives.ReadUInt64BigEndian(Canonical(registers, 4, format.Order, stackalloc byte[8]))),
        _ => (long)DecodeDouble(registers, format),
    };

    /// <summary>Decodes an unsigned 64-bit value exactly.</summary>
    public static ulong DecodeUInt64(ReadOnlySpan<ushort> registers, RegisterFormat format) =>
        BinaryPrimitives.ReadUInt64BigEndian(Canonical(registers, 4, format.Order, stackalloc byte[8]));

    /// <summary>Decodes ASCII text; trailing NULs and spaces are trimmed. BADC and DCBA swap the two characters of each register.</summary>
    public static string DecodeString(ReadOnlySpan<ushort> registers, RegisterFormat format)
    {
        Span<byte> bytes = registers.Length <= 128 ? stackalloc byte[registers.Length * 2] : new byte[registers.Length * 2];
        bool swap = format.Order is ByteOrder.BADC or ByteOrder.DCBA;
        for (int i = 0; i < registers.Length; i++)
        {
            byte hi = (byte)(registers[i] >> 8), lo = (byte)registers[i];
            bytes[2 * i] = swap ? lo : hi;
            bytes[2 * i + 1] = swap ? hi : lo;
        }
        int end = bytes.IndexOf((byte)0);
        if (end < 0)
            end = bytes.Length;
        return Encoding.ASCII.GetString(bytes[..end]).TrimEnd(' ');
    }

    /// <summary>
    /// Encodes a value into <c>registers[..format.Width]</c>. Integer types round to the nearest integer and throw
    /// <see cref="OverflowException"/> outside their range. For <see cref="ModbusDataType.Bit"/> only that bit of
    /// <c>registers[0]</c> changes.
    /// </summary>
    public static void EncodeDouble(double value, RegisterFormat format, Span<ushort> registers)
    {
        Span<byte> bytes = stackalloc byte[8];
        switch (format.Type)
        {
            case ModbusDataType.Bool:
                registers[0] = value != 0 ? (ushort)1 : (ushort)0;
                return;
            case ModbusDataType.Bit:
                ushort mask = (ushort)(1 << format.BitIndex);
                registers[0] = value != 0 ? (ushort)(registers[0] | mask) : (ushort)(registers[0] & ~mask);
                return;
            case ModbusDataType.Int16:
                FromCanonical16(unchecked((ushort)checked((short)Math.Round(value))), format.Order, registers);
                return;
            case ModbusDataType.UInt16:
                FromCanonical16(checked((ushort)Math.Round(value)), format.Order, registers);
                return;
            case ModbusDataType.Int32:
                BinaryPrimitives.WriteInt32BigEndian(bytes, checked((int)Math.Round(value)));
                FromCanonical(bytes[..4], format.Order, registers);
                return;
            case ModbusDataType.UInt32:
                BinaryPrimitives.WriteUInt32BigEndian(bytes, checked((uint)Math.Round(value)));
                FromCanonical(bytes[..4], format.Order, registers);
                return;
            case ModbusDataType.Float32:
                BinaryPrimitives.WriteSingleBigEndian(bytes, (float)value);
                FromCanonical(bytes[..4], format.Order, registers);
                return;
            case ModbusDataType.Int64:
                EncodeInt64(checked((long)Math.Round(value)), format, registers);
                return;
            case ModbusDataType.UInt64:
                EncodeUInt64(checked((ulong)Math.Round(value)), format, registers);
                return;
            case ModbusDataType.Float64:
                BinaryPrimitives.WriteDoubleBigEndian(bytes, value);
                FromCanonical(bytes, format.Order, registers);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format.Type, "Not a numeric type.");
        }
    }

    /// <summary>Encodes a signed 64-bit value exactly.</summary>
    public static void EncodeInt64(long value, RegisterFormat format, Span<ushort> registers)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        FromCanonical(bytes, format.Order, registers);
    }

    /// <summary>Encodes an unsigned 64-bit value exactly.</summary>
    public static void EncodeUInt64(ulong value, RegisterFormat format, Span<ushort> registers)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        FromCanonical(bytes, format.Order, registers);
    }

    /// <summary>Encodes ASCII text into <c>registers[..format.StringRegisters]</c>, padded with NULs; longer text is cut.</summary>
    public static void EncodeString(string value, RegisterFormat format, Span<ushort> registers)
    {
        ArgumentNullException.ThrowIfNull(value);
        int length = format.StringRegisters;
        Span<byte> bytes = length <= 128 ? stackalloc byte[length * 2] : new byte[length * 2];
        bytes.Clear();
        Encoding.ASCII.GetBytes(value.AsSpan(0, Math.Min(value.Length, bytes.Length)), bytes);
        bool swap = format.Order is ByteOrder.BADC or ByteOrder.DCBA;
        for (int i = 0; i < length; i++)
            registers[i] = swap ? (ushort)(bytes[2 * i + 1] << 8 | bytes[2 * i]) : (ushort)(bytes[2 * i] << 8 | bytes[2 * i + 1]);
    }

    private static ushort Canonical16(ReadOnlySpan<ushort> registers, ByteOrder order) =>
        order is ByteOrder.BADC or ByteOrder.DCBA ? BinaryPrimitives.ReverseEndianness(registers[0]) : registers[0];

    private static void FromCanonical16(ushort value, ByteOrder order, Span<ushort> registers) =>
        registers[0] = order is ByteOrder.BADC or ByteOrder.DCBA ? BinaryPrimitives.ReverseEndianness(value) : value;

    /// <summary>Puts <paramref name="count"/> registers into big-endian byte order A B C D (E F G H).</summary>
    private static Span<byte> Canonical(ReadOnlySpan<ushort> registers, int count, ByteOrder order, Span<byte> bytes)
    {
        if (registers.Length < count)
            throw new ArgumentException($"{count} registers needed, {registers.Length} given.", nameof(registers));
        bool reverseWords = order is ByteOrder.CDAB or ByteOrder.DCBA;
        bool swapBytes = order is ByteOrder.BADC or ByteOrder.DCBA;
        for (int i = 0; i < count; i++)
        {
            ushort word = registers[reverseWords ? count - 1 - i : i];
            if (swapBytes)
                word = BinaryPrimitives.ReverseEndianness(word);
            BinaryPrimitives.WriteUInt16BigEndian(bytes[(2 * i)..], word);
        }
        return bytes;
    }

    /// <summary>The inverse of <see cref="Canonical"/>.</summary>
    private static void FromCanonical(ReadOnlySpan<byte> bytes, ByteOrder order, Span<ushort> registers)
    {
        int count = bytes.Length / 2;
        bool reverseWords = order is ByteOrder.CDAB or ByteOrder.DCBA;
        bool swapBytes = order is ByteOrder.BADC or ByteOrder.DCBA;
        for (int i = 0; i < count; i++)
        {
            ushort word = BinaryPrimitives.ReadUInt16BigEndian(bytes[(2 * i)..]);
            if (swapBytes)
                word = BinaryPrimitives.ReverseEndianness(word);
            registers[reverseWords ? count - 1 - i : i] = word;
        }
    }
}
