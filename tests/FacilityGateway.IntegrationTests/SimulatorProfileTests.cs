using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using FacilityGateway.Configuration.Yaml;
using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Modbus.Client;
using FacilityGateway.Modbus.Codec;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Sources.Modbus;
using FacilityGateway.Sources.Modbus.Profiles;
using FacilitySimulator.Plant;

namespace FacilityGateway.IntegrationTests;

/// <summary>
/// The simulated plant answers independent clients (pymodbus over TCP, RTU over TCP and RTU on a pseudo-terminal; mbpoll
/// over TCP) exactly as it answers our client, for every point of every profile it serves: the register maps and the
/// server agree with clients that are not ours.
/// </summary>
public sealed partial class SimulatorProfileTests
{
    private static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(60);

    private sealed record Served(string Link, string Mode, byte Unit, string Profile);

    private static readonly Served[] Plant =
    [
        new("meter", "tcp", 1, "eastron-sdm630"),
        new("leaks", "tcp", 3, "advantech-adam4051"),
        new("serial_server", "rtutcp", 11, "abb-acs580"),
        new("serial_server", "rtutcp", 12, "abb-acs580"),
        new("serial_server", "rtutcp", 5, "onicon-f3100"),
    ];

    private static List<ModbusPoint> PointsOf(string profile)
    {
        var errors = new ConfigErrors();
        var map = new ProfileCatalog(Path.Combine(AppContext.BaseDirectory, "profiles"), errors, _ => null).Find(profile, out _)!;
        return [.. map.Points.Select(p => ModbusDeviceKind.Resolve(p, map.Defaults, null, errors)).OfType<ModbusPoint>()];
    }

    private static string Table(ModbusTable table) => ModbusDeviceKind.TableName(table);

    private static async Task<List<ushort[]>> OurReadsAsync(ModbusClient client, byte unit, List<ModbusPoint> points)
    {
        var result = new List<ushort[]>();
        foreach (var p in points)
        {
            if (p.Table.IsBitTable())
            {
                var bits = new bool[p.Width];
                await client.ReadBitsAsync(unit, p.Table, p.Address, bits);
                result.Add([.. bits.Select(b => (ushort)(b ? 1 : 0))]);
            }
            else
            {
                result.Add(await client.ReadHoldingRegistersOrInputAsync(unit, p));
            }
        }
        return result;
    }

    private static async Task<List<ushort[]>> PymodbusReadsAsync(string mode, string target, string portOrBaud, byte unit, List<ModbusPoint> points)
    {
        string reads = JsonSerializer.Serialize(points.Select(p => new { unit = (int)unit, table = Table(p.Table), address = (int)p.Address, count = (int)p.Width }));
        var (code, output) = await PeerProcess.RunAsync(PeerTimeout, PeerTools.Python, "pymodbus_reads.py", mode, target, portOrBaud, reads);
        Assert.True(code == 0, output);
        var json = JsonDocument.Parse(output.Split('\n').First(l => l.StartsWith('['))).RootElement;
        return [.. json.EnumerateArray().Select(r =>
        {
            Assert.False(r.TryGetProperty("error", out var e), e.ToString());
            return r.GetProperty("values").EnumerateArray().Select(v => (ushort)v.GetInt32()).ToArray();
        })];
    }

    private static void AssertSame(string what, List<ModbusPoint> points, List<ushort[]> ours, List<ushort[]> theirs)
    {
        for (int i = 0; i < points.Count; i++)
        {
            Assert.True(ours[i].SequenceEqual(theirs[i]), $"{what} {points[i].Id}: ours [{string.Join(' ', ours[i])}], theirs [{string.Join(' ', theirs[i])}]");
            if (points[i].Format.Type is not (ModbusDataType.Bool or ModbusDataType.String))
                Assert.True(double.IsFinite(ModbusValueCodec.DecodeDouble(ours[i], points[i].Format)), $"{what} {points[i].Id} does not decode");
        }
    }

    [Fact]
    public async Task EveryProfilePoint_ReadsTheSame_ThroughPymodbus_OverTcpRtuOverTcpAndAPseudoTerminal()
    {
        PeerTools.RequirePymodbus();
        await using var line = await PtyPair.OpenAsync();
        await using var plant = PlantRoom.Start(Path.Combine(AppContext.BaseDirectory, "profiles"), TimeProvider.System, serialDevice: line.A);
        await plant.FreezeAsync();
        foreach (var device in Plant)
        {
            var points = PointsOf(device.Profile);
            int port = plant.Ports[device.Link];
            string scheme = device.Mode == "tcp" ? "tcp" : "rtu+tcp";
            await using var client = ModbusClient.Create($"{scheme}://127.0.0.1:{port}");
            var ours = await OurReadsAsync(client, device.Unit, points);
            AssertSame($"{device.Profile} unit {device.Unit} ({device.Mode})", points, ours,
                await PymodbusReadsAsync(device.Mode, "127.0.0.1", port.ToString(CultureInfo.InvariantCulture), device.Unit, points));
            if (device.Mode == "rtutcp")
                AssertSame($"{device.Profile} unit {device.Unit} (RTU on {line.B})", points, ours,
                    await PymodbusReadsAsync("rtu", line.B, "38400", device.Unit, points));
        }
    }

    [GeneratedRegex(@"^\[(\d+)\]:\s+(0x[0-9A-Fa-f]+|\d+)", RegexOptions.Multiline)]
    private static partial Regex MbpollLine();

    [Fact]
    public async Task EveryProfilePoint_OfTheTcpDevices_ReadsTheSame_ThroughMbpoll()
    {
        string mbpoll = PeerTools.Require("mbpoll", "mbpoll");
        await using var plant = PlantRoom.Start(Path.Combine(AppContext.BaseDirectory, "profiles"), TimeProvider.System);
        await plant.FreezeAsync();
        foreach (var device in Plant.Where(d => d.Mode == "tcp"))
        {
            var points = PointsOf(device.Profile);
            int port = plant.Ports[device.Link];
            await using var client = ModbusClient.Create($"tcp://127.0.0.1:{port}");
            var ours = await OurReadsAsync(client, device.Unit, points);
            var theirs = new List<ushort[]>();
            foreach (var p in points)
            {
                string type = p.Table switch { ModbusTable.Coils => "0", ModbusTable.DiscreteInputs => "1", ModbusTable.InputRegisters => "3:hex", _ => "4:hex" };
                var (code, output) = await PeerProcess.RunAsync(PeerTimeout, mbpoll, "-m", "tcp", "-p", port.ToString(CultureInfo.InvariantCulture), "-a", device.Unit.ToString(CultureInfo.InvariantCulture),
                    "-0", "-1", "-t", type, "-r", p.Address.ToString(CultureInfo.InvariantCulture), "-c", p.Width.ToString(CultureInfo.InvariantCulture), "127.0.0.1");
                Assert.True(code == 0, output);
                theirs.Add([.. MbpollLine().Matches(output).Select(m => m.Groups[2].Value).Select(v => v.StartsWith("0x", StringComparison.Ordinal)
                    ? ushort.Parse(v[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture) : ushort.Parse(v, CultureInfo.InvariantCulture))]);
            }
            AssertSame($"{device.Profile} unit {device.Unit} (mbpoll)", points, ours, theirs);
        }
    }
}

internal static class ProfileReads
{
    public static async Task<ushort[]> ReadHoldingRegistersOrInputAsync(this ModbusClient client, byte unit, ModbusPoint point)
    {
        var registers = new ushort[point.Width];
        await client.ReadRegistersAsync(unit, point.Table, point.Address, registers);
        return registers;
    }
}
