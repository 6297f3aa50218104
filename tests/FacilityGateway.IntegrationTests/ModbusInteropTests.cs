using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Modbus.Client;
using FacilityGateway.Modbus.Codec;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;
using FacilityGateway.Modbus.Transport;

namespace FacilityGateway.IntegrationTests;

/// <summary>
/// Our Modbus stack against independent implementations: our client against pymodbus's server, and pymodbus's client
/// and libmodbus's mbpoll against our server, over Modbus TCP and over RTU through a socat pseudo-terminal pair.
/// Every data type in every byte order is checked against values the other side wrote.
/// </summary>
public sealed partial class ModbusInteropTests
{
    private static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(30);
    private const int Baud = 38400;

    private sealed record Entry(string Type, string Order, int Address, int Count, JsonElement Value)
    {
        public RegisterFormat Format => new(Enum.Parse<ModbusDataType>(Type, ignoreCase: true), Enum.Parse<ByteOrder>(Order), StringRegisters: (ushort)Count);
    }

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    private static List<Entry> ParseEntries(JsonElement array) => array.Deserialize<List<Entry>>(Json)!;

    private static void AssertDecodes(Entry entry, ReadOnlySpan<ushort> registers)
    {
        var format = entry.Format;
        string what = $"{entry.Type} {entry.Order} at {entry.Address}";
        switch (format.Type)
        {
            case ModbusDataType.String:
                Assert.True(entry.Value.GetString() == ModbusValueCodec.DecodeString(registers, format), what);
                break;
            case ModbusDataType.UInt64:
                Assert.True(entry.Value.GetUInt64() == ModbusValueCodec.DecodeUInt64(registers, format), what);
                break;
            case ModbusDataType.Float32:
                Assert.True((float)entry.Value.GetDouble() == (float)ModbusValueCodec.DecodeDouble(registers, format), what);
                break;
            case ModbusDataType.Float64:
                Assert.True(entry.Value.GetDouble() == ModbusValueCodec.DecodeDouble(registers, format), what);
                break;
            default:
                Assert.True(entry.Value.GetInt64() == ModbusValueCodec.DecodeInt64(registers, format), $"{what}: expected {entry.Value}, got {ModbusValueCodec.DecodeInt64(registers, format)}");
                break;
        }
    }

    private static async Task<JsonElement> StartPymodbusServerAsync(PeerProcess server)
    {
        string ready = await server.WaitForLineAsync("READY ", PeerTimeout);
        return JsonDocument.Parse(ready["READY ".Length..]).RootElement;
    }

    private static async Task AssertOurClientReadsFixtureAsync(ModbusClient client, JsonElement manifest)
    {
        var entries = ParseEntries(manifest.GetProperty("registers"));
        Assert.Equal(33, entries.Count);
        foreach (var entry in entries)
        {
            var registers = new ushort[entry.Count];
            await client.ReadHoldingRegistersAsync(1, (ushort)entry.Address, registers);
            AssertDecodes(entry, registers);

            // Input registers hold the complement of the holding registers.
            var input = new ushort[entry.Count];
            await client.ReadInputRegistersAsync(1, (ushort)entry.Address, input);
            Assert.Equal(registers.Select(r => (ushort)(r ^ 0xFFFF)), input);
        }

        var expectedCoils = manifest.GetProperty("coils").EnumerateArray().Select(e => e.GetBoolean()).ToArray();
        var coils = new bool[expectedCoils.Length];
        await client.ReadCoilsAsync(1, 0, coils);
        Assert.Equal(expectedCoils, coils);
        var discrete = new bool[expectedCoils.Length];
        await client.ReadDiscreteInputsAsync(1, 0, discrete);
        Assert.Equal(expectedCoils.Select(c => !c), discrete);

        // Writes land in pymodbus's store and read back.
        await client.WriteMultipleRegistersAsync(1, 500, new ushort[] { 1, 2, 3 });
        await client.WriteSingleRegisterAsync(1, 503, 4);
        Assert.Equal(new ushort[] { 1, 2, 3, 4 }, await client.ReadHoldingRegistersAsync(1, 500, 4));
        await client.WriteMultipleCoilsAsync(1, 50, new[] { true, true, false, true });
        await client.WriteSingleCoilAsync(1, 54, true);
        var written = new bool[5];
        await client.ReadCoilsAsync(1, 50, written);
        Assert.Equal(new[] { true, true, false, true, true }, written);
    }

    [Fact]
    public async Task OurClient_AgainstPymodbusTcpServer_DecodesEveryTypeAndOrder()
    {
        PeerTools.RequirePymodbus();
        int port = FreePort.Next();
        await using var server = PeerProcess.Start(PeerTools.Python, "pymodbus_server.py", "tcp", port.ToString(CultureInfo.InvariantCulture));
        var manifest = await StartPymodbusServerAsync(server);
        await using var client = ModbusClient.Create($"tcp://127.0.0.1:{port}");
        await AssertOurClientReadsFixtureAsync(client, manifest);
    }

    [Fact]
    public async Task OurClient_AgainstPymodbusRtuServer_OverPseudoTerminal_DecodesEveryTypeAndOrder()
    {
        PeerTools.RequirePymodbus();
        await using var line = await PtyPair.OpenAsync();
        await using var server = PeerProcess.Start(PeerTools.Python, "pymodbus_server.py", "rtu", line.A, Baud.ToString(CultureInfo.InvariantCulture));
        var manifest = await StartPymodbusServerAsync(server);
        await using var client = ModbusClient.Create($"rtu://{line.B}?baud={Baud}&parity=none", new ModbusTransportOptions { ResponseTimeout = TimeSpan.FromSeconds(2) });
        await AssertOurClientReadsFixtureAsync(client, manifest);
    }

    /// <summary>Our server holding the fixture, encoded by our codec; pymodbus's client must decode the same values.</summary>
    private static async Task<(ModbusDataStore Store, List<Entry> Entries)> OurFixtureStoreAsync()
    {
        var (code, output) = await PeerProcess.RunAsync(PeerTimeout, PeerTools.Python, "-c",
            "import json, modbus_fixture as f; print(json.dumps({'registers': f.manifest(), 'coils': f.COILS}))");
        Assert.True(code == 0, output);
        var manifest = JsonDocument.Parse(output.Split('\n').First(l => l.StartsWith('{'))).RootElement;
        var entries = ParseEntries(manifest.GetProperty("registers"));
        var store = new ModbusDataStore(1);
        foreach (var entry in entries)
        {
            var registers = new ushort[entry.Count];
            var format = entry.Format;
            switch (format.Type)
            {
                case ModbusDataType.String: ModbusValueCodec.EncodeString(entry.Value.GetString()!, format, registers); break;
                case ModbusDataType.UInt64: ModbusValueCodec.EncodeUInt64(entry.Value.GetUInt64(), format, registers); break;
                case ModbusDataType.Int64: ModbusValueCodec.EncodeInt64(entry.Value.GetInt64(), format, registers); break;
                default: ModbusValueCodec.EncodeDouble(entry.Value.GetDouble(), format, registers); break;
            }
            store[1].SetRegisters(ModbusTable.HoldingRegisters, (ushort)entry.Address, registers);
        }
        store[1].SetBits(ModbusTable.Coils, 0, manifest.GetProperty("coils").EnumerateArray().Select(e => e.GetBoolean()).ToArray());
        return (store, entries);
    }

    private static void AssertPymodbusDecoded(string output, List<Entry> entries, ModbusDataStore store)
    {
        var json = JsonDocument.Parse(output.Split('\n').First(l => l.StartsWith('{'))).RootElement;
        var results = json.GetProperty("registers").EnumerateArray().ToList();
        Assert.Equal(entries.Count, results.Count);
        for (int i = 0; i < entries.Count; i++)
        {
            var result = results[i];
            Assert.False(result.TryGetProperty("error", out var error), error.ToString());
            var decoded = result.GetProperty("decoded");
            var expected = entries[i].Value;
            string what = $"{entries[i].Type} {entries[i].Order}";
            switch (entries[i].Type)
            {
                case "string": Assert.True(expected.GetString() == decoded.GetString(), what); break;
                case "float32": Assert.True((float)expected.GetDouble() == (float)decoded.GetDouble(), what); break;
                case "float64": Assert.True(expected.GetDouble() == decoded.GetDouble(), what); break;
                case "uint64": Assert.True(expected.GetUInt64() == decoded.GetUInt64(), what); break;
                default: Assert.True(expected.GetInt64() == decoded.GetInt64(), what); break;
            }
        }
        Assert.Equal("ok", json.GetProperty("write").GetString());
        var written = new ushort[3];
        store[1].GetRegisters(ModbusTable.HoldingRegisters, 900, written);
        Assert.Equal(new ushort[] { 11, 22, 33 }, written);
        Assert.Equal(11, json.GetProperty("coils").GetArrayLength());
    }

    [Fact]
    public async Task PymodbusClient_AgainstOurTcpServer_DecodesEveryTypeAndOrder()
    {
        PeerTools.RequirePymodbus();
        var (store, entries) = await OurFixtureStoreAsync();
        await using var server = new ModbusTcpServer(store);
        server.Start();
        var (code, output) = await PeerProcess.RunAsync(PeerTimeout, PeerTools.Python, "pymodbus_client.py", "tcp", "127.0.0.1", server.LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture));
        Assert.True(code == 0, output);
        AssertPymodbusDecoded(output, entries, store);
    }

    [Fact]
    public async Task PymodbusClient_AgainstOurRtuServer_OverPseudoTerminal_DecodesEveryTypeAndOrder()
    {
        PeerTools.RequirePymodbus();
        var (store, entries) = await OurFixtureStoreAsync();
        await using var line = await PtyPair.OpenAsync();
        await using var server = new ModbusSerialServer(store, new SerialLineSettings { PortName = line.A, BaudRate = Baud, Parity = System.IO.Ports.Parity.None });
        server.Start();
        var (code, output) = await PeerProcess.RunAsync(PeerTimeout, PeerTools.Python, "pymodbus_client.py", "rtu", line.B, Baud.ToString(CultureInfo.InvariantCulture));
        Assert.True(code == 0, output);
        AssertPymodbusDecoded(output, entries, store);
    }

    // ---- mbpoll (libmodbus) against our server ----

    [GeneratedRegex(@"^\[(\d+)\]:\s+(\S+)", RegexOptions.Multiline)]
    private static partial Regex MbpollValue();

    private static Dictionary<int, string> ParseMbpoll(string output) =>
        MbpollValue().Matches(output).ToDictionary(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m => m.Groups[2].Value);

    private static ModbusDataStore MbpollFixture()
    {
        var store = new ModbusDataStore(1);
        var unit = store[1];
        unit.SetRegisters(ModbusTable.HoldingRegisters, 0, [555, 0, 100, 65535]);
        var regs = new ushort[2];
        ModbusValueCodec.EncodeDouble(-123456789, new RegisterFormat(ModbusDataType.Int32, ByteOrder.CDAB), regs);
        unit.SetRegisters(ModbusTable.HoldingRegisters, 10, regs); // mbpoll's default word order is CDAB
        ModbusValueCodec.EncodeDouble(-123456789, new RegisterFormat(ModbusDataType.Int32, ByteOrder.ABCD), regs);
        unit.SetRegisters(ModbusTable.HoldingRegisters, 12, regs); // -B: ABCD
        ModbusValueCodec.EncodeDouble(123.25, new RegisterFormat(ModbusDataType.Float32, ByteOrder.CDAB), regs);
        unit.SetRegisters(ModbusTable.HoldingRegisters, 20, regs);
        ModbusValueCodec.EncodeDouble(123.25, new RegisterFormat(ModbusDataType.Float32, ByteOrder.ABCD), regs);
        unit.SetRegisters(ModbusTable.HoldingRegisters, 22, regs);
        unit.SetRegisters(ModbusTable.InputRegisters, 0, [7, 8]);
        unit.SetBits(ModbusTable.Coils, 0, [true, false, true]);
        unit.SetBits(ModbusTable.DiscreteInputs, 0, [false, true]);
        return store;
    }

    private static async Task AssertMbpollReadsAndWritesAsync(ModbusDataStore store, string[] line)
    {
        string mbpoll = PeerTools.Require("mbpoll", "mbpoll");
        async Task<Dictionary<int, string>> Poll(params string[] args)
        {
            var (code, output) = await PeerProcess.RunAsync(PeerTimeout, mbpoll, [.. line, "-a", "1", "-0", "-1", "-o", "2", .. args]);
            Assert.True(code == 0, $"mbpoll {string.Join(' ', args)} failed:\n{output}");
            return ParseMbpoll(output);
        }

        var holding = await Poll("-t", "4", "-r", "0", "-c", "4");
        Assert.Equal(["555", "0", "100", "65535"], new[] { holding[0], holding[1], holding[2], holding[3] });
        Assert.Equal("-123456789", (await Poll("-t", "4:int", "-r", "10", "-c", "1"))[10]);
        Assert.Equal("-123456789", (await Poll("-t", "4:int", "-B", "-r", "12", "-c", "1"))[12]);
        Assert.Equal(123.25, double.Parse((await Poll("-t", "4:float", "-r", "20", "-c", "1"))[20], CultureInfo.InvariantCulture));
        Assert.Equal(123.25, double.Parse((await Poll("-t", "4:float", "-B", "-r", "22", "-c", "1"))[22], CultureInfo.InvariantCulture));
        var input = await Poll("-t", "3", "-r", "0", "-c", "2");
        Assert.Equal(["7", "8"], new[] { input[0], input[1] });
        var coils = await Poll("-t", "0", "-r", "0", "-c", "3");
        Assert.Equal(["1", "0", "1"], new[] { coils[0], coils[1], coils[2] });
        var discrete = await Poll("-t", "1", "-r", "0", "-c", "2");
        Assert.Equal(["0", "1"], new[] { discrete[0], discrete[1] });

        // Writes: FC 16 for several registers, FC 06 for one, FC 15/05 for coils.
        var (code, output) = await PeerProcess.RunAsync(PeerTimeout, mbpoll, [.. line, "-a", "1", "-0", "-o", "2", "-t", "4", "-r", "300", "11", "22", "33"]);
        Assert.True(code == 0, output);
        (code, output) = await PeerProcess.RunAsync(PeerTimeout, mbpoll, [.. line, "-a", "1", "-0", "-o", "2", "-t", "4", "-r", "303", "44"]);
        Assert.True(code == 0, output);
        var written = new ushort[4];
        store[1].GetRegisters(ModbusTable.HoldingRegisters, 300, written);
        Assert.Equal(new ushort[] { 11, 22, 33, 44 }, written);
        (code, output) = await PeerProcess.RunAsync(PeerTimeout, mbpoll, [.. line, "-a", "1", "-0", "-o", "2", "-t", "0", "-r", "40", "1", "0", "1"]);
        Assert.True(code == 0, output);
        var bits = new bool[3];
        store[1].GetBits(ModbusTable.Coils, 40, bits);
        Assert.Equal(new[] { true, false, true }, bits);

        // An address the device does not have: mbpoll reports libmodbus's "Illegal data address".
        store[1].Define(ModbusTable.HoldingRegisters, 0, 1000);
        (_, output) = await PeerProcess.RunAsync(PeerTimeout, mbpoll, [.. line, "-a", "1", "-0", "-1", "-o", "2", "-t", "4", "-r", "2000", "-c", "1"]);
        Assert.Contains("Illegal data address", output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Mbpoll_AgainstOurTcpServer_ReadsAndWritesEveryTable()
    {
        var store = MbpollFixture();
        await using var server = new ModbusTcpServer(store);
        server.Start();
        await AssertMbpollReadsAndWritesAsync(store, ["-m", "tcp", "-p", server.LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture), "127.0.0.1"]);
    }

    [Fact]
    public async Task Mbpoll_AgainstOurRtuServer_OverPseudoTerminal_ReadsAndWritesEveryTable()
    {
        var store = MbpollFixture();
        await using var line = await PtyPair.OpenAsync();
        await using var server = new ModbusSerialServer(store, new SerialLineSettings { PortName = line.A, BaudRate = Baud, Parity = System.IO.Ports.Parity.None });
        server.Start();
        await AssertMbpollReadsAndWritesAsync(store, ["-m", "rtu", "-b", Baud.ToString(CultureInfo.InvariantCulture), "-P", "none", line.B]);
    }
}
