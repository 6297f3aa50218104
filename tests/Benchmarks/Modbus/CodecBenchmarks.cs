using BenchmarkDotNet.Attributes;
using FacilityGateway.Modbus.Codec;
using FacilityGateway.Modbus.Framing;
using FacilityGateway.Modbus.Planning;
using FacilityGateway.Modbus.Protocol;

namespace FacilityGateway.Benchmarks.Modbus;

/// <summary>The hot path of a poll without I/O: encode a request, frame it, check a response, decode values. Goal: 0 bytes allocated.</summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private readonly byte[] _adu = new byte[260];
    private readonly byte[] _request = new byte[5];
    private readonly byte[] _response = Convert.FromHexString("0314" + "42F6E979" + "E97942F6" + "00010002" + "0102030405060708");
    private readonly ushort[] _registers = new ushort[10];
    private readonly ushort[] _float = [0x42F6, 0xE979];
    private readonly ushort[] _int64 = [0x0102, 0x0304, 0x0506, 0x0708];
    private static readonly RegisterFormat Float32 = new(ModbusDataType.Float32, ByteOrder.CDAB);
    private static readonly RegisterFormat Int64 = new(ModbusDataType.Int64, ByteOrder.DCBA);
    private PointSpan[] _points = [];
    private readonly ReadPlannerOptions _options = new() { MaxGap = 4 };

    [GlobalSetup]
    public void Setup()
    {
        ModbusPdu.WriteReadRequest(_request, ModbusFunctionCode.ReadHoldingRegisters, 0, 10);
        _points = Enumerable.Range(0, 50).Select(i => new PointSpan(ModbusTable.HoldingRegisters, (ushort)(i * 3), 2)).ToArray();
    }

    [Benchmark]
    public int EncodeReadRequest_MbapFrame()
    {
        int length = ModbusPdu.WriteReadRequest(_adu.AsSpan(7), ModbusFunctionCode.ReadHoldingRegisters, 100, 10);
        return MbapFraming.Instance.Seal(_adu, 1, 42, length);
    }

    [Benchmark]
    public int EncodeReadRequest_RtuFrame()
    {
        int length = ModbusPdu.WriteReadRequest(_adu.AsSpan(1), ModbusFunctionCode.ReadHoldingRegisters, 100, 10);
        return RtuFraming.Instance.Seal(_adu, 1, 0, length);
    }

    [Benchmark]
    public ushort CheckAndDecodeResponse_10Registers()
    {
        var data = ModbusPdu.CheckResponse(1, _request, _response);
        ModbusPdu.ReadRegisters(data, _registers);
        return _registers[9];
    }

    [Benchmark]
    public double DecodeFloat32_CDAB() => ModbusValueCodec.DecodeDouble(_float, Float32);

    [Benchmark]
    public long DecodeInt64_DCBA() => ModbusValueCodec.DecodeInt64(_int64, Int64);

    [Benchmark]
    public void EncodeFloat32_CDAB() => ModbusValueCodec.EncodeDouble(123.456, Float32, _float);

    [Benchmark]
    public ushort Crc16_256Bytes() => Crc16.Compute(_adu);

    [Benchmark]
    public int Plan_50Points() => ReadPlanner.Plan(_points, _options).Count;
}
