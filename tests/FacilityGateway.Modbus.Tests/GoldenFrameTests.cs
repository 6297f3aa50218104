using FacilityGateway.Modbus.Framing;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;

namespace FacilityGateway.Modbus.Tests;

/// <summary>Request and response frames taken from the examples of MODBUS Application Protocol v1.1b3 (section 6) and Modbus over Serial Line v1.02.</summary>
public class GoldenFrameTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    [Fact]
    public void ReadCoils_Section6_1_Example()
    {
        var pdu = new byte[5];
        Assert.Equal(5, ModbusPdu.WriteReadRequest(pdu, ModbusFunctionCode.ReadCoils, 19, 19));
        Assert.Equal(Hex("01 00 13 00 13"), pdu);

        var data = ModbusPdu.CheckResponse(1, pdu, Hex("01 03 CD 6B 05"));
        var bits = new bool[19];
        ModbusPdu.UnpackBits(data, bits);
        // Coils 27..20 = CD = 1100 1101 (coil 20 is the LSB)
        Assert.Equal(new[] { true, false, true, true, false, false, true, true }, bits[..8]);
        // Coils 38..36 = 05 in the last byte's low bits: 101
        Assert.Equal(new[] { true, false, true }, bits[16..19]);
    }

    [Fact]
    public void ReadDiscreteInputs_Section6_2_Example()
    {
        var pdu = new byte[5];
        ModbusPdu.WriteReadRequest(pdu, ModbusFunctionCode.ReadDiscreteInputs, 196, 22);
        Assert.Equal(Hex("02 00 C4 00 16"), pdu);
        var data = ModbusPdu.CheckResponse(1, pdu, Hex("02 03 AC DB 35"));
        Assert.Equal(Hex("AC DB 35"), data.ToArray());
    }

    [Fact]
    public void ReadHoldingRegisters_Section6_3_Example()
    {
        var pdu = new byte[5];
        ModbusPdu.WriteReadRequest(pdu, ModbusFunctionCode.ReadHoldingRegisters, 107, 3);
        Assert.Equal(Hex("03 00 6B 00 03"), pdu);
        var data = ModbusPdu.CheckResponse(1, pdu, Hex("03 06 02 2B 00 00 00 64"));
        var registers = new ushort[3];
        ModbusPdu.ReadRegisters(data, registers);
        Assert.Equal(new ushort[] { 555, 0, 100 }, registers);
    }

    [Fact]
    public void ReadInputRegisters_Section6_4_Example()
    {
        var pdu = new byte[5];
        ModbusPdu.WriteReadRequest(pdu, ModbusFunctionCode.ReadInputRegisters, 8, 1);
        Assert.Equal(Hex("04 00 08 00 01"), pdu);
        var registers = new ushort[1];
        ModbusPdu.ReadRegisters(ModbusPdu.CheckResponse(1, pdu, Hex("04 02 00 0A")), registers);
        Assert.Equal(10, registers[0]);
    }

    [Fact]
    public void WriteSingleCoil_Section6_5_Example()
    {
        var pdu = new byte[5];
        ModbusPdu.WriteSingleCoilRequest(pdu, 172, true);
        Assert.Equal(Hex("05 00 AC FF 00"), pdu);
        Assert.True(ModbusPdu.CheckResponse(1, pdu, Hex("05 00 AC FF 00")).IsEmpty);
    }

    [Fact]
    public void WriteSingleRegister_Section6_6_Example()
    {
        var pdu = new byte[5];
        ModbusPdu.WriteSingleRegisterRequest(pdu, 1, 3);
        Assert.Equal(Hex("06 00 01 00 03"), pdu);
        ModbusPdu.CheckResponse(1, pdu, Hex("06 00 01 00 03"));
    }

    [Fact]
    public void WriteMultipleCoils_Section6_11_Example()
    {
        var pdu = new byte[16];
        bool[] coils = [true, false, true, true, false, false, true, true, true, false];
        int length = ModbusPdu.WriteMultipleCoilsRequest(pdu, 19, coils);
        Assert.Equal(Hex("0F 00 13 00 0A 02 CD 01"), pdu[..length]);
        ModbusPdu.CheckResponse(1, pdu.AsSpan(0, length), Hex("0F 00 13 00 0A"));
    }

    [Fact]
    public void WriteMultipleRegisters_Section6_12_Example()
    {
        var pdu = new byte[16];
        int length = ModbusPdu.WriteMultipleRegistersRequest(pdu, 1, [0x000A, 0x0102]);
        Assert.Equal(Hex("10 00 01 00 02 04 00 0A 01 02"), pdu[..length]);
        ModbusPdu.CheckResponse(1, pdu.AsSpan(0, length), Hex("10 00 01 00 02"));
    }

    [Fact]
    public void ReadWriteMultipleRegisters_Section6_17_Example()
    {
        var pdu = new byte[32];
        int length = ModbusPdu.WriteReadWriteRequest(pdu, 3, 6, 14, [0x00FF, 0x00FF, 0x00FF]);
        Assert.Equal(Hex("17 00 03 00 06 00 0E 00 03 06 00 FF 00 FF 00 FF"), pdu[..length]);
        var registers = new ushort[6];
        ModbusPdu.ReadRegisters(ModbusPdu.CheckResponse(1, pdu.AsSpan(0, length), Hex("17 0C 00 FE 0A CD 00 01 00 03 00 0D 00 FF")), registers);
        Assert.Equal(new ushort[] { 0x00FE, 0x0ACD, 0x0001, 0x0003, 0x000D, 0x00FF }, registers);
    }

    [Fact]
    public void ExceptionResponse_Section7_Example_IsTypedServerException()
    {
        // Request: read coils at 04A1, 1 coil. Response: 81 02 (illegal data address).
        var pdu = Hex("01 04 A1 00 01");
        var ex = Assert.Throws<ModbusServerException>(() => ModbusPdu.CheckResponse(1, pdu, Hex("81 02")));
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, ex.Code);
        Assert.Equal(ModbusFunctionCode.ReadCoils, ex.Function);
    }

    [Theory]
    [InlineData("02 07", 0x1241)] // Modbus over Serial Line v1.02, section 6.2.2: sent as 41 12
    [InlineData("01 03 00 00 00 0A", 0xCDC5)]
    [InlineData("11 03 00 6B 00 03", 0x8776)]
    public void Crc16_MatchesSerialLineSpecification(string frame, int crc)
    {
        Assert.Equal(crc, Crc16.Compute(Hex(frame)));
    }

    [Fact]
    public void RtuFrame_ReadHoldingRegisters_HasAddressAndCrcLowByteFirst()
    {
        var adu = new byte[16];
        ModbusPdu.WriteReadRequest(adu.AsSpan(1), ModbusFunctionCode.ReadHoldingRegisters, 107, 3);
        int length = RtuFraming.Instance.Seal(adu, 0x11, 0, 5);
        Assert.Equal(Hex("11 03 00 6B 00 03 76 87"), adu[..length]);
    }

    [Fact]
    public void MbapFrame_HasTransactionProtocolLengthUnit()
    {
        var adu = new byte[16];
        ModbusPdu.WriteReadRequest(adu.AsSpan(7), ModbusFunctionCode.ReadHoldingRegisters, 107, 3);
        int length = MbapFraming.Instance.Seal(adu, 0x11, 1, 5);
        Assert.Equal(Hex("00 01 00 00 00 06 11 03 00 6B 00 03"), adu[..length]);
    }

    [Fact]
    public void Server_AnswersSpecExamples_FromStore()
    {
        var store = new ModbusDataStore(1);
        store[1].SetRegisters(ModbusTable.HoldingRegisters, 107, [555, 0, 100]);
        var response = new byte[256];
        int length = ModbusRequestHandler.Handle(store, 1, Hex("03 00 6B 00 03"), response);
        Assert.Equal(Hex("03 06 02 2B 00 00 00 64"), response[..length]);
    }

    [Theory]
    [InlineData("2B 0E 01 00", "AB 01")]              // function not supported: illegal function
    [InlineData("03 00 00 00 00", "83 03")]           // quantity 0: illegal data value
    [InlineData("03 00 00 00 7E", "83 03")]           // quantity 126: illegal data value
    [InlineData("03 FF FF 00 02", "83 02")]           // runs past 65535: illegal data address
    [InlineData("05 00 01 12 34", "85 03")]           // coil value neither FF00 nor 0000
    [InlineData("10 00 01 00 02 03 00 0A 01", "90 03")] // byte count does not match quantity
    public void Server_RefusesBadRequests_WithSpecExceptionCodes(string request, string expected)
    {
        var store = new ModbusDataStore(1);
        var response = new byte[256];
        int length = ModbusRequestHandler.Handle(store, 1, Hex(request), response);
        Assert.Equal(Hex(expected), response[..length]);
    }
}
