using System.Text.Json;
using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;
using FacilityGateway.Readings;

namespace FacilityGateway.IntegrationTests;

/// <summary>The InfluxDB sink against Debian's InfluxDB 1.x (v1 /write, read back with InfluxQL) and VictoriaMetrics (v2 write API, read back through its export API).</summary>
public sealed class InfluxSinkTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private static async Task<ModbusTcpServer> MeterAsync()
    {
        var store = new ModbusDataStore(1);
        store[1].SetRegisters(ModbusTable.HoldingRegisters, 0, [2305, 42]);
        store[1].Define(ModbusTable.HoldingRegisters, 0, 2);
        var server = new ModbusTcpServer(store);
        server.Start();
        await Task.CompletedTask;
        return server;
    }

    private static string Devices(int port) => $$"""
        gateway: { id: test-gw, site: test-site }
        logging: { level: warning }
        assets: [{ id: incomer, name: Main incomer, type: meter }]
        devices:
          - id: meter
            asset: incomer
            endpoint: tcp://127.0.0.1:{{port}}
            unit: 1
            interval: 100ms
            points:
              - { id: voltage, holding: 0, scale: 0.1, unit: V }
              - { id: count, holding: 1 }
              - { id: missing, holding: 5 }
        """;

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var value = await read();
            if (done(value))
                return value;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"timed out waiting for {what}; last answer: {value}");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task V1Write_ToInfluxDb1x_ReadBackWithInfluxQL_ValuesTagsAndTimesMatch()
    {
        await using var influx = await InfluxDb1Server.StartAsync();
        await influx.QueryAsync("", "CREATE DATABASE facility");
        await using var meter = await MeterAsync();
        await using var gateway = await GatewayUnderTest.StartAsync(Devices(meter.LocalEndPoint.Port) + $$"""

            sinks:
              - { id: influx, kind: influxdb, api: v1, url: "{{influx.Url}}", database: facility, max_backoff: 500ms }
            """);
        await gateway.Recorder.WaitForDeviceAsync("meter", 5, Wait);

        string json = await EventuallyAsync(
            () => influx.QueryAsync("facility", "SELECT voltage, \"count\", missing_q, health_online FROM readings WHERE device = 'meter' GROUP BY * ORDER BY time ASC"),
            text => text.Contains("\"values\"", StringComparison.Ordinal) && JsonDocument.Parse(text).RootElement.GetProperty("results")[0].GetProperty("series")[0].GetProperty("values").GetArrayLength() >= 5,
            "5 rows in InfluxDB");
        var series = JsonDocument.Parse(json).RootElement.GetProperty("results")[0].GetProperty("series")[0];
        var tags = series.GetProperty("tags");
        Assert.Equal(("test-site", "test-gw", "meter", "incomer", "meter"),
            (tags.GetProperty("site").GetString(), tags.GetProperty("gateway").GetString(), tags.GetProperty("device").GetString(), tags.GetProperty("asset").GetString(), tags.GetProperty("asset_type").GetString()));
        var sent = gateway.Recorder.Batches.Select(b => b.Batch).Where(b => b.DeviceId == "meter").ToDictionary(b => b.SampledAt.ToUnixTimeMilliseconds());
        foreach (var row in series.GetProperty("values").EnumerateArray())
        {
            long time = row[0].GetInt64();
            Assert.True(sent.TryGetValue(time, out var batch), $"row at {time} matches no polled batch");
            Assert.Equal(230.5, row[1].GetDouble(), 9);
            Assert.Equal(42, row[2].GetDouble());
            Assert.Equal((int)Quality.BadIllegalAddress, row[3].GetInt32());
            Assert.Equal(1, row[4].GetDouble());
            Assert.Equal(230.5, batch.Readings.Single(r => r.PointId == "voltage").Value, 9);
        }
    }

    [Fact]
    public async Task V2Write_ToVictoriaMetrics_ReadBackThroughExport_ValuesTagsAndTimesMatch()
    {
        await using var vm = await VictoriaMetricsServer.StartAsync();
        await using var meter = await MeterAsync();
        await using var gateway = await GatewayUnderTest.StartAsync(Devices(meter.LocalEndPoint.Port) + $$"""

            sinks:
              - { id: vm, kind: influxdb, api: v2, url: "{{vm.Url}}", token: unused, org: facility, bucket: telemetry, max_backoff: 500ms }
            """);
        await gateway.Recorder.WaitForDeviceAsync("meter", 5, Wait);

        string export = await EventuallyAsync(() => vm.ExportAsync("{__name__=\"readings_voltage\"}"),
            text => text.Contains("\"timestamps\"", StringComparison.Ordinal) && JsonDocument.Parse(text.Split('\n')[0]).RootElement.GetProperty("values").GetArrayLength() >= 5,
            "5 samples in VictoriaMetrics");
        var series = JsonDocument.Parse(export.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0]).RootElement;
        var metric = series.GetProperty("metric");
        Assert.Equal(("test-site", "test-gw", "meter", "incomer"),
            (metric.GetProperty("site").GetString(), metric.GetProperty("gateway").GetString(), metric.GetProperty("device").GetString(), metric.GetProperty("asset").GetString()));
        var sent = gateway.Recorder.Batches.Select(b => b.Batch).Where(b => b.DeviceId == "meter").Select(b => b.SampledAt.ToUnixTimeMilliseconds()).ToHashSet();
        var values = series.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToList();
        var times = series.GetProperty("timestamps").EnumerateArray().Select(t => t.GetInt64()).ToList();
        Assert.All(values, v => Assert.Equal(230.5, v, 9));
        Assert.All(times, t => Assert.Contains(t, sent));
    }
}

/// <summary>The InfluxDB sink against a real InfluxDB 1.x that refuses large bodies, and with text no line may break.</summary>
public sealed class InfluxSinkRefusalTests
{
    [Fact]
    public async Task ServerAnswering413_GetsTheBatchInHalves_AndEveryPollArrives_InsteadOfUpTo2000PollsDropped()
    {
        await using var influx = await InfluxDb1Server.StartAsync(maxBodySize: 600);
        await influx.QueryAsync("", "CREATE DATABASE facility");
        var config = new FacilityGateway.Configuration.GatewayConfig { Gateway = new() { Id = "网关-1", Site = "滨江花园" } };
        var options = new FacilityGateway.Sinks.Influx.InfluxSinkOptions { Id = "influx", Kind = "influxdb", Api = FacilityGateway.Sinks.Influx.InfluxApi.V1, Url = influx.Url, Database = "facility", Gzip = false };
        await using var sink = new FacilityGateway.Sinks.Influx.InfluxSink(options, FacilityGateway.Sinks.SinkContext.Of(config), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var start = DateTimeOffset.FromUnixTimeMilliseconds(1_764_633_600_000);
        var records = Enumerable.Range(0, 20).Select(i =>
        {
            var at = start.AddSeconds(i);
            // A meter's serial string with a line break and a control character in it, and a Chinese asset id.
            var batch = new ReadingBatch("水表", "三号楼水泵房", at,
                [new("水表", "flow", i * 1.5, null, "m³/h", Quality.Good, at), new("水表", "serial", double.NaN, "SN\n42\u0007", "", Quality.Good, at)]);
            return (FacilityGateway.Sinks.SinkRecord)new FacilityGateway.Sinks.TelemetryRecord(i + 1, $"e-{i + 1}", batch, batch.Readings);
        }).ToList();

        await sink.DeliverAsync(records, CancellationToken.None); // 20 lines are far more than 600 bytes: 413, then halves

        string json = await influx.QueryAsync("facility", "SELECT flow, serial FROM readings WHERE device = '水表' AND asset = '三号楼水泵房'");
        var values = JsonDocument.Parse(json).RootElement.GetProperty("results")[0].GetProperty("series")[0].GetProperty("values");
        Assert.Equal(20, values.GetArrayLength());
        Assert.Equal(0, sink.RejectedBatches);
        Assert.Equal("SN 42 ", values[0][2].GetString());
        Assert.Equal(28.5, values[19][1].GetDouble());
    }
}
