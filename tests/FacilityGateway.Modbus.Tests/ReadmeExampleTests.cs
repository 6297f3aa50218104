using System.Runtime.CompilerServices;
using FacilityGateway.Modbus.Client;
using FacilityGateway.Modbus.Codec;
using FacilityGateway.Modbus.Planning;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;

namespace FacilityGateway.Modbus.Tests;

/// <summary>The example in gateway/FacilityGateway.Modbus/README.md is this code, compiled and run against our server.</summary>
public class ReadmeExampleTests
{
    private static async Task<(double Watts, string Serial)> ReadmeExample(string endpoint)
    {
        // begin-readme
        await using var client = ModbusClient.Create(endpoint); // tcp://host:502, rtu:///dev/ttyUSB0?baud=9600&parity=even, rtu+tcp://host:4001

        // Eastron SDM630 "Phase 1 active power": input register 30013, zero-based address 12, float32 ABCD.
        var registers = new ushort[2];
        await client.ReadInputRegistersAsync(unitId: 1, start: 12, registers);
        double watts = ModbusValueCodec.DecodeDouble(registers, new RegisterFormat(ModbusDataType.Float32, ByteOrder.ABCD));

        // Many points of one device: the planner merges them into the fewest reads and isolates refused addresses.
        PointSpan[] points = [new(ModbusTable.InputRegisters, 0, 2), new(ModbusTable.InputRegisters, 12, 2), new(ModbusTable.HoldingRegisters, 64512, 5)];
        var reader = new ModbusDeviceReader(points, new ReadPlannerOptions { MaxGap = 16 });
        var result = reader.CreateResult();
        await reader.ReadAsync(client, unitId: 1, result, CancellationToken.None);
        string serial = result.Status(2) == PointReadStatus.Good
            ? ModbusValueCodec.DecodeString(result.Registers(2), new RegisterFormat(ModbusDataType.String, StringRegisters: 5))
            : "unknown";
        // end-readme
        return (watts, serial);
    }

    [Fact]
    public async Task ReadmeExample_RunsAgainstOurServer()
    {
        var store = new ModbusDataStore(1);
        var registers = new ushort[2];
        ModbusValueCodec.EncodeDouble(1234.5, new RegisterFormat(ModbusDataType.Float32), registers);
        store[1].SetRegisters(ModbusTable.InputRegisters, 12, registers);
        var serial = new ushort[5];
        ModbusValueCodec.EncodeString("SN42", new RegisterFormat(ModbusDataType.String, StringRegisters: 5), serial);
        store[1].SetRegisters(ModbusTable.HoldingRegisters, 64512, serial);
        await using var server = new ModbusTcpServer(store);
        server.Start();

        var (watts, text) = await ReadmeExample($"tcp://127.0.0.1:{server.LocalEndPoint.Port}");
        Assert.Equal(1234.5, watts);
        Assert.Equal("SN42", text);
    }

    [Fact]
    public void Readme_ShowsExactlyTheCompiledExample()
    {
        string source = File.ReadAllText(SourcePath());
        string example = Between(source, "// begin-readme", "// end-readme");
        string readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "README.md"));
        string block = Between(readme, "```csharp", "```");
        Assert.Equal(Normalize(example), Normalize(block));
    }

    private static string SourcePath([CallerFilePath] string path = "") => path;

    private static string Between(string text, string begin, string end)
    {
        int start = text.IndexOf(begin, StringComparison.Ordinal);
        Assert.True(start >= 0, $"'{begin}' not found");
        start += begin.Length;
        int stop = text.IndexOf(end, start, StringComparison.Ordinal);
        return text[start..stop];
    }

    private static string Normalize(string code) =>
        string.Join('\n', code.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));
}
