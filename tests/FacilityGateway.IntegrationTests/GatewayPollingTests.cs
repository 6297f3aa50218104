using System.Globalization;
using System.Text;
using System.Text.Json;
using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Modbus.Codec;
using FacilityGateway.Modbus.Framing;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;
using FacilityGateway.Modbus.Transport;
using FacilityGateway.Readings;
using Xunit.Abstractions;

namespace FacilityGateway.IntegrationTests;

/// <summary>The gateway end to end, from YAML to readings, against pymodbus and our own server over TCP, RTU over TCP and a serial pseudo-terminal.</summary>
public sealed class GatewayPollingTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private const string Head = """
        gateway: { id: test-gw, site: test-site }
        logging: { level: warning }
        assets:
          - { id: plant, name: Plant room, type: other }
        """;

    [Fact]
    public async Task Gateway_AgainstPymodbusServer_EveryTypeOrderAndScale_ArrivesAsTheRightValue()
    {
        PeerTools.RequirePymodbus();
        int port = FreePort.Next();
        await using var server = PeerProcess.Start(PeerTools.Python, "pymodbus_server.py", "tcp", port.ToString(CultureInfo.InvariantCulture));
        string ready = await server.WaitForLineAsync("READY ", Wait);
        var entries = JsonDocument.Parse(ready["READY ".Length..]).RootElement.GetProperty("registers").EnumerateArray().ToList();

        var yaml = new StringBuilder(Head).AppendLine().AppendLine(CultureInfo.InvariantCulture, $"""
            devices:
              - id: peer
                asset: plant
                endpoint: tcp://127.0.0.1:{port}
                unit: 1
                interval: 200ms
                max_gap: 0
                points:
                  - {"{"} id: coil0, coil: 0 {"}"}
                  - {"{"} id: coil1, coil: 1 {"}"}
            """);
        for (int i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            string type = e.GetProperty("type").GetString()!;
            string scale = i == 0 ? ", scale: 0.1, offset: 5, unit: bar" : "";
            string length = type == "string" ? $", length: {e.GetProperty("count").GetInt32()}" : "";
            yaml.AppendLine(CultureInfo.InvariantCulture, $"      - {{ id: e{i}, holding: {e.GetProperty("address").GetInt32()}, type: {type}, byte_order: {e.GetProperty("order").GetString()}{length}{scale} }}");
        }

        await using var gateway = await GatewayUnderTest.StartAsync(yaml.ToString());
        await gateway.Recorder.WaitForDeviceAsync("peer", 2, Wait);
        var batch = gateway.Recorder.Latest("peer");
        var readings = batch.Readings.ToDictionary(r => r.PointId);

        Assert.Equal("plant", batch.AssetId);
        Assert.Equal(1, readings["coil0"].Value);
        Assert.Equal(0, readings["coil1"].Value);
        for (int i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            var reading = readings[$"e{i}"];
            string what = $"{e.GetProperty("type")} {e.GetProperty("order")}";
            Assert.True(reading.Quality == Quality.Good, $"{what}: {reading.Quality}");
            Assert.True(reading.SampledAt > DateTimeOffset.UtcNow.AddMinutes(-1) && reading.SampledAt.Offset == TimeSpan.Zero, $"{what}: sampled at {reading.SampledAt:O}");
            var value = e.GetProperty("value");
            switch (e.GetProperty("type").GetString())
            {
                case "string": Assert.Equal(value.GetString(), reading.Text); break;
                case "float32": Assert.Equal((float)value.GetDouble(), (float)reading.Value); break;
                case "uint64": Assert.Equal((double)value.GetUInt64(), reading.Value); break;
                default:
                    double expected = value.GetDouble();
                    Assert.Equal(i == 0 ? expected * 0.1 + 5 : expected, reading.Value, 9);
                    break;
            }
        }
        Assert.Equal("bar", readings["e0"].Unit);
        Assert.Equal(1, readings["health.online"].Value);
    }

    [Fact]
    public async Task IllegalAddressInTheMiddleOfABlock_IsIsolated_AndItsNeighboursKeepArriving()
    {
        var store = new ModbusDataStore(1);
        var unit = store[1];
        unit.Define(ModbusTable.HoldingRegisters, 0, 10);
        unit.Define(ModbusTable.HoldingRegisters, 12, 10); // 10 and 11 do not exist on this "firmware"
        for (ushort a = 0; a < 22; a++)
            unit.SetRegister(ModbusTable.HoldingRegisters, a, (ushort)(100 + a));
        await using var server = new ModbusTcpServer(store);
        server.Start();

        await using var gateway = await GatewayUnderTest.StartAsync(Head + $$"""

            devices:
              - id: meter
                asset: plant
                endpoint: tcp://127.0.0.1:{{server.LocalEndPoint.Port}}
                unit: 1
                interval: 100ms
                points:
                  - { id: a, holding: 0 }
                  - { id: b, holding: 8 }
                  - { id: missing, holding: 10, type: uint32 }
                  - { id: c, holding: 12 }
                  - { id: d, holding: 20, scale: 2 }
            """);
        await gateway.Recorder.WaitForDeviceAsync("meter", 4, Wait);
        foreach (var (batch, _) in gateway.Recorder.Batches)
        {
            var r = batch.Readings.ToDictionary(x => x.PointId);
            Assert.Equal(Quality.BadIllegalAddress, r["missing"].Quality);
            Assert.True(double.IsNaN(r["missing"].Value));
            Assert.Equal((100, 108, 112, 240), (r["a"].Value, r["b"].Value, r["c"].Value, r["d"].Value));
            Assert.All(new[] { "a", "b", "c", "d" }, id => Assert.Equal(Quality.Good, r[id].Quality));
            Assert.Equal(1, r["health.online"].Value);
        }
    }

    /// <summary>
    /// Three devices on one line, one of them dead. The dead one is marked bad and backed off, and probed only where the
    /// probe cannot delay a neighbour; the two healthy ones keep their cadence within 10 % of their interval.
    /// </summary>
    [Fact]
    public async Task DeadDeviceOnSharedSerialLine_IsBackedOff_HealthyNeighboursKeepTheirCadence()
    {
        var store = new ModbusDataStore(1, 2); // unit 3 is configured but absent: it never answers
        store[1].SetRegister(ModbusTable.HoldingRegisters, 0, 11);
        store[2].SetRegister(ModbusTable.HoldingRegisters, 0, 22);
        await using var line = await PtyPair.OpenAsync();
        await using var server = new ModbusSerialServer(store, new SerialLineSettings { PortName = line.A, BaudRate = 38400, Parity = System.IO.Ports.Parity.None });
        server.Start();

        const int intervalMs = 250;
        await using var gateway = await GatewayUnderTest.StartAsync(Head + $$"""

            lines:
              - id: rs485
                serial: { device: {{line.B}}, baud: 38400, parity: none }
                timeout: 100ms
            devices:
              - { id: meter-1, asset: plant, line: rs485, unit: 1, interval: {{intervalMs}}ms, points: [{ id: v, holding: 0, type: uint16 }] }
              - { id: dead, asset: plant, line: rs485, unit: 3, interval: {{intervalMs}}ms, points: [{ id: v, holding: 0 }] }
              - { id: meter-2, asset: plant, line: rs485, unit: 2, interval: {{intervalMs}}ms, points: [{ id: v, holding: 0, type: uint16 }] }
            """);
        const int polls = 25;
        await gateway.Recorder.WaitForAsync(b => b.Count(x => x.Batch.DeviceId == "meter-1") >= polls && b.Count(x => x.Batch.DeviceId == "meter-2") >= polls, Wait, "25 polls of each healthy meter");

        var batches = gateway.Recorder.Batches;
        var t0 = batches[0].Batch.SampledAt;
        foreach (var id in new[] { "meter-1", "dead", "meter-2" })
            output.WriteLine($"{id} polled at (ms from the first poll, response ms): {string.Join(", ", batches.Where(b => b.Batch.DeviceId == id).Select(b => (b.Batch.SampledAt - t0).TotalMilliseconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture) + "/" + b.Batch.Readings.Single(r => r.PointId == "health.response_time").Value.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))}");
        foreach (var id in new[] { "meter-1", "meter-2" })
        {
            // The cadence is when each poll was made (the batch's sample time), not when the batch reached the end of
            // the pipeline: that comes after the outbox's durable commit. With both cores busy, batches arrived up to
            // 485 ms late while every poll was within 6 ms of its slot; CI saw two arrival gaps of 980 ms this way.
            var times = batches.Where(b => b.Batch.DeviceId == id).Select(b => b.Batch.SampledAt).Skip(5).Take(polls - 5).ToList();
            var periods = times.Zip(times.Skip(1), (a, b) => (b - a).TotalMilliseconds).ToList();
            double mean = periods.Average();
            double median = periods.Order().ElementAt(periods.Count / 2);
            string all = string.Join(", ", periods.Select(p => p.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)));
            output.WriteLine($"{id}: mean period {mean:F1} ms, median {median:F1} ms (interval {intervalMs} ms), min {periods.Min():F1}, max {periods.Max():F1}: {all}");
            // A probe of the dead device that overran the neighbour's slot lengthens one period and shortens the next
            // (the fixed-rate schedule keeps its phase). One stall of the machine may do the same once; a probe that does
            // not fit would do it at every probe.
            Assert.InRange(median, intervalMs * 0.9, intervalMs * 1.1);
            Assert.True(periods.Count(p => p > intervalMs * 1.2) <= 1, $"more than one late poll of {id}: {all} ms");
            Assert.All(batches.Where(b => b.Batch.DeviceId == id), b => Assert.Equal(Quality.Good, b.Batch.Readings[0].Quality));
        }

        var dead = batches.Where(b => b.Batch.DeviceId == "dead").ToList();
        output.WriteLine($"dead device polled {dead.Count} times while each healthy one was polled {polls}+ times");
        Assert.NotEmpty(dead);
        Assert.All(dead, b => Assert.Equal(Quality.BadCommFailure, b.Batch.Readings[0].Quality));
        Assert.True(dead.Count < polls / 2, $"the dead device was polled {dead.Count} times: not backed off");
        Assert.Equal(0, dead[^1].Batch.Readings.Single(r => r.PointId == "health.online").Value);
        Assert.Contains("no response", dead[^1].Batch.Readings.Single(r => r.PointId == "health.last_error").Text, StringComparison.Ordinal);
    }

    /// <summary>
    /// The USB RS-485 adapter is pulled out and plugged in again (the pseudo-terminals hang up and come back under the
    /// same name): the device goes offline with a clear error, and polling resumes by itself, no restart.
    /// </summary>
    [Fact]
    public async Task SerialAdapterUnpluggedAndPluggedBackIn_TheDeviceGoesOffline_AndPollingResumes()
    {
        string links = Directory.CreateTempSubdirectory("fg-usb-").FullName;
        string serverEnd = Path.Combine(links, "server"), adapter = Path.Combine(links, "ttyUSB0");
        var store = new ModbusDataStore(1);
        store[1].SetRegister(ModbusTable.HoldingRegisters, 0, 42);
        var settings = new SerialLineSettings { PortName = serverEnd, BaudRate = 38400, Parity = System.IO.Ports.Parity.None };
        var line = await PtyPair.OpenAsync(serverEnd, adapter);
        var server = new ModbusSerialServer(store, settings);
        server.Start();
        await using var gateway = await GatewayUnderTest.StartAsync(Head + $$"""

            lines:
              - { id: rs485, serial: { device: {{adapter}}, baud: 38400, parity: none }, timeout: 100ms }
            devices:
              - { id: meter, asset: plant, line: rs485, unit: 1, interval: 200ms, points: [{ id: v, holding: 0, type: uint16 }] }
            """);
        static Reading Last(GatewayUnderTest g, string point) => g.Recorder.Latest("meter").Readings.Single(r => r.PointId == point);
        await gateway.Recorder.WaitForAsync(b => b.Count(x => x.Batch.DeviceId == "meter" && x.Batch.Readings[0].Quality == Quality.Good) >= 3, Wait, "good polls");

        // Unplugged.
        await server.DisposeAsync();
        await line.DisposeAsync();
        int before = gateway.Recorder.Batches.Count;
        await gateway.Recorder.WaitForAsync(b => b.Skip(before).Any(x => x.Batch.DeviceId == "meter" && x.Batch.Readings.Single(r => r.PointId == "health.online").Value == 0), Wait, "the device offline");
        Assert.Equal(Quality.BadCommFailure, gateway.Recorder.Latest("meter").Readings[0].Quality);
        Assert.Contains(adapter, Last(gateway, "health.last_error").Text, StringComparison.Ordinal);

        // Plugged back in: same name, new terminals.
        await using var again = await PtyPair.OpenAsync(serverEnd, adapter);
        await using var server2 = new ModbusSerialServer(store, settings);
        server2.Start();
        before = gateway.Recorder.Batches.Count;
        await gateway.Recorder.WaitForAsync(b => b.Skip(before).Any(x => x.Batch.DeviceId == "meter" && x.Batch.Readings[0].Quality == Quality.Good), TimeSpan.FromSeconds(90), "polling to resume");
        Assert.Equal(42, gateway.Recorder.Latest("meter").Readings[0].Value);
        Assert.Equal(1, Last(gateway, "health.online").Value);
        Directory.Delete(links, recursive: true);
    }

    [Fact]
    public async Task RtuOverTcpLine_ServesSeveralUnitsThroughOneConnection()
    {
        var store = new ModbusDataStore(7, 8);
        var format = new RegisterFormat(ModbusDataType.Float32, ByteOrder.CDAB);
        var registers = new ushort[2];
        ModbusValueCodec.EncodeDouble(230.5, format, registers);
        store[7].SetRegisters(ModbusTable.InputRegisters, 0, registers);
        ModbusValueCodec.EncodeDouble(-3.25, format, registers);
        store[8].SetRegisters(ModbusTable.InputRegisters, 0, registers);
        await using var server = new ModbusTcpServer(store, new ModbusServerOptions { Framing = RtuFraming.Instance });
        server.Start();

        await using var gateway = await GatewayUnderTest.StartAsync(Head + $$"""

            lines:
              - id: serial-server
                tcp: { host: 127.0.0.1, port: {{server.LocalEndPoint.Port}}, framing: rtu }
            devices:
              - { id: u7, asset: plant, line: serial-server, unit: 7, interval: 100ms, points: [{ id: v, input: 0, type: float32, byte_order: CDAB, unit: V }] }
              - { id: u8, asset: plant, line: serial-server, unit: 8, interval: 100ms, points: [{ id: v, input: 0, type: float32, byte_order: CDAB, unit: V }] }
            """);
        await gateway.Recorder.WaitForAsync(b => b.Any(x => x.Batch.DeviceId == "u7") && b.Any(x => x.Batch.DeviceId == "u8"), Wait, "both units");
        Assert.Equal(230.5, gateway.Recorder.Latest("u7").Readings[0].Value);
        Assert.Equal(-3.25, gateway.Recorder.Latest("u8").Readings[0].Value);
        Assert.Equal(1, server.OpenConnections);
    }
}
