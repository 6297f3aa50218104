using CsCheck;
using FacilityGateway.Modbus.Codec;

namespace FacilityGateway.Modbus.Tests;

public class ValueCodecTests
{
    // 123.456f = 0x42F6E979
    [Theory]
    [InlineData(ByteOrder.ABCD, 0x42F6, 0xE979)]
    [InlineData(ByteOrder.CDAB, 0xE979, 0x42F6)]
    [InlineData(ByteOrder.BADC, 0xF642, 0x79E9)]
    [InlineData(ByteOrder.DCBA, 0x79E9, 0xF642)]
    public void Float32_DecodesEveryByteOrder(ByteOrder order, int first, int second)
    {
        ushort[] registers = [(ushort)first, (ushort)second];
        Assert.Equal(123.456f, (float)ModbusValueCodec.DecodeDouble(registers, new RegisterFormat(ModbusDataType.Float32, order)));
    }

    // 0x0102030405060708
    [Theory]
    [InlineData(ByteOrder.ABCD, new[] { 0x0102, 0x0304, 0x0506, 0x0708 })]
    [InlineData(ByteOrder.CDAB, new[] { 0x0708, 0x0506, 0x0304, 0x0102 })]
    [InlineData(ByteOrder.BADC, new[] { 0x0201, 0x0403, 0x0605, 0x0807 })]
    [InlineData(ByteOrder.DCBA, new[] { 0x0807, 0x0605, 0x0403, 0x0201 })]
    public void Int64_DecodesEveryByteOrder(ByteOrder order, int[] words)
    {
        var registers = words.Select(w => (ushort)w).ToArray();
        Assert.Equal(0x0102030405060708L, ModbusValueCodec.DecodeInt64(registers, new RegisterFormat(ModbusDataType.Int64, order)));
    }

    [Fact]
    public void Int16_IsSigned_UInt16_IsNot()
    {
        ushort[] registers = [0xFFFE];
        Assert.Equal(-2, ModbusValueCodec.DecodeDouble(registers, new RegisterFormat(ModbusDataType.Int16)));
        Assert.Equal(65534, ModbusValueCodec.DecodeDouble(registers, new RegisterFormat(ModbusDataType.UInt16)));
    }

    [Fact]
    public void Bit_ReadsOneBitOfRegister()
    {
        ushort[] registers = [0b0000_0100_0000_0001];
        Assert.Equal(1, ModbusValueCodec.DecodeDouble(registers, new RegisterFormat(ModbusDataType.Bit, BitIndex: 0)));
        Assert.Equal(0, ModbusValueCodec.DecodeDouble(registers, new RegisterFormat(ModbusDataType.Bit, BitIndex: 1)));
        Assert.Equal(1, ModbusValueCodec.DecodeDouble(registers, new RegisterFormat(ModbusDataType.Bit, BitIndex: 10)));
    }

    [Fact]
    public void String_DecodesAsciiAndTrimsPadding()
    {
        var format = new RegisterFormat(ModbusDataType.String, StringRegisters: 4);
        var registers = new ushort[4];
        ModbusValueCodec.EncodeString("SDM630", format, registers);
        Assert.Equal(new ushort[] { 0x5344, 0x4D36, 0x3330, 0 }, registers);
        Assert.Equal("SDM630", ModbusValueCodec.DecodeString(registers, format));
        Assert.Equal("DS6M03", ModbusValueCodec.DecodeString(registers, format with { Order = ByteOrder.BADC }));
    }

    [Fact]
    public void Scaling_AppliesScaleThenOffset()
    {
        var scaling = new Scaling(0.1, -40);
        Assert.Equal(-17.5, scaling.Apply(225), 9);
        Assert.Equal(225, scaling.Remove(-17.5), 9);
    }

    [Fact]
    public void Encode_IntegerOutOfRange_Throws()
    {
        var registers = new ushort[1];
        Assert.Throws<OverflowException>(() => ModbusValueCodec.EncodeDouble(70000, new RegisterFormat(ModbusDataType.UInt16), registers));
    }

    private static readonly Gen<ByteOrder> Orders = Gen.Enum<ByteOrder>();

    [Fact]
    public void RoundTrip_Int64_EveryOrder() =>
        Gen.Select(Gen.Long, Orders).Sample((value, order) =>
        {
            var format = new RegisterFormat(ModbusDataType.Int64, order);
            var registers = new ushort[4];
            ModbusValueCodec.EncodeInt64(value, format, registers);
            return ModbusValueCodec.DecodeInt64(registers, format) == value;
        });

    [Fact]
    public void RoundTrip_UInt64_EveryOrder() =>
        Gen.Select(Gen.ULong, Orders).Sample((value, order) =>
        {
            var format = new RegisterFormat(ModbusDataType.UInt64, order);
            var registers = new ushort[4];
            ModbusValueCodec.EncodeUInt64(value, format, registers);
            return ModbusValueCodec.DecodeUInt64(registers, format) == value;
        });

    [Fact]
    public void RoundTrip_Float32_EveryOrder_BitExact() =>
        Gen.Select(Gen.Float, Orders).Sample((value, order) =>
        {
            var format = new RegisterFormat(ModbusDataType.Float32, order);
            var registers = new ushort[2];
            ModbusValueCodec.EncodeDouble(value, format, registers);
            float back = (float)ModbusValueCodec.DecodeDouble(registers, format);
            return float.IsNaN(value) ? float.IsNaN(back) : BitConverter.SingleToInt32Bits(back) == BitConverter.SingleToInt32Bits(value);
        });

    [Fact]
    public void RoundTrip_Float64_EveryOrder_BitExact() =>
        Gen.Select(Gen.Double, Orders).Sample((value, order) =>
        {
            var format = new RegisterFormat(ModbusDataType.Float64, order);
            var registers = new ushort[4];
            ModbusValueCodec.EncodeDouble(value, format, registers);
            double back = ModbusValueCodec.DecodeDouble(registers, format);
            return double.IsNaN(value) ? double.IsNaN(back) : BitConverter.DoubleToInt64Bits(back) == BitConverter.DoubleToInt64Bits(value);
        });

    [Theory]
    [InlineData(ModbusDataType.Int16, short.MinValue, short.MaxValue)]
    [InlineData(ModbusDataType.UInt16, 0, ushort.MaxValue)]
    [InlineData(ModbusDataType.Int32, int.MinValue, int.MaxValue)]
    [InlineData(ModbusDataType.UInt32, 0, uint.MaxValue)]
    public void RoundTrip_SmallIntegers_EveryOrder(ModbusDataType type, double min, double max) =>
        Gen.Select(Gen.Double[min, max], Orders).Sample((raw, order) =>
        {
            double value = Math.Round(raw);
            var format = new RegisterFormat(type, order);
            var registers = new ushort[format.Width];
            ModbusValueCodec.EncodeDouble(value, format, registers);
            return ModbusValueCodec.DecodeDouble(registers, format) == value;
        });

    [Fact]
    public void RoundTrip_String_EveryOrder() =>
        Gen.Select(Gen.String[Gen.Char['!', '~'], 0, 20], Orders).Sample((text, order) =>
        {
            var format = new RegisterFormat(ModbusDataType.String, order, StringRegisters: 10);
            var registers = new ushort[10];
            ModbusValueCodec.EncodeString(text, format, registers);
            return ModbusValueCodec.DecodeString(registers, format) == text;
        });
}
