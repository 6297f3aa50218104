using System.Text.Json;
using FacilityGateway.Configuration;
using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Outbox;
using FacilityGateway.Readings;
using FacilityGateway.Sinks.Influx;
using Microsoft.Extensions.Logging.Abstractions;

namespace FacilityGateway.IntegrationTests;

/// <summary>
/// Every query of the shipped Grafana dashboard (config/grafana) runs on a real InfluxDB 1.x against what the gateway's
/// InfluxDB sink writes for the example plant's points (the profiles' point ids, the register's asset types, the
/// gateway's own health and usage readings), and finds data: the dashboard stays true to the field and tag names.
/// </summary>
public sealed class GrafanaDashboardTests
{
    [Fact]
    public async Task EveryPanelQuery_FindsTheFieldsAndTagsTheGatewayWrites()
    {
        await using var influx = await InfluxDb1Server.StartAsync();
        await influx.QueryAsync("", "CREATE DATABASE facility");
        var config = new GatewayConfig
        {
            Gateway = new GatewayIdentity { Id = "plantroom", Site = "riverside" },
            Assets =
            [
                new AssetOptions { Id = "main-incomer", Name = "Main incomer", Type = AssetType.Meter },
                new AssetOptions { Id = "booster-pump-1", Name = "Booster pump 1", Type = AssetType.Pump },
                new AssetOptions { Id = "cold-water-main", Name = "Cold water main", Type = AssetType.Meter },
            ],
        };
        await using var sink = new InfluxSink(new InfluxSinkOptions { Id = "influx", Kind = "influxdb", Url = influx.Url, Api = InfluxApi.V1, Database = "facility" }, FacilityGateway.Sinks.SinkContext.Of(config), NullLogger.Instance);
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        var records = new List<FacilityGateway.Sinks.SinkRecord>();
        for (int i = 0; i < 30; i++)
        {
            var at = now.AddSeconds(i * 10);
            Reading R(string device, string point, double value, string unit = "") => new(device, point, value, null, unit, Quality.Good, at);
            Reading[] Health(string device) => [R(device, "health.online", i == 3 ? 0 : 1), R(device, "health.response_time", 12, "ms")];
            records.Add(Record(records.Count, new ReadingBatch("main-meter", "main-incomer", at, [R("main-meter", "power_total", 42_000 + i, "W"), R("main-meter", "import_energy", 18_250 + i * 0.1, "kWh"), .. Health("main-meter")])));
            records.Add(Record(records.Count, new ReadingBatch("pump-1-drive", "booster-pump-1", at, [R("pump-1-drive", "motor_current", 11.5, "A"), R("pump-1-drive", "output_frequency", 42, "Hz"), R("pump-1-drive", "running", 1), .. Health("pump-1-drive")])));
            records.Add(Record(records.Count, new ReadingBatch("water-meter", "cold-water-main", at, [R("water-meter", "flow_rate", 6.2, "m3/h"), .. Health("water-meter")])));
            records.Add(Record(records.Count, new ReadingBatch("gateway", "plantroom", at, [R("gateway", "asset.booster-pump-1.run_hours", 18_450 + i / 360.0, "h"), R("gateway", "asset.booster-pump-1.starts", 9120)])));
        }
        await sink.DeliverAsync(records, default);

        string path = RepositoryFiles.Path("config", "grafana", "facility-gateway-dashboard.json");
        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        int checkedQueries = 0;
        foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
        {
            foreach (var target in panel.GetProperty("targets").EnumerateArray())
            {
                string query = target.GetProperty("query").GetString()!
                    .Replace("$timeFilter", "time > now() - 1h", StringComparison.Ordinal)
                    .Replace("$__interval", "1m", StringComparison.Ordinal);
                string answer = await influx.QueryAsync("facility", query);
                var result = JsonDocument.Parse(answer).RootElement.GetProperty("results")[0];
                Assert.False(result.TryGetProperty("error", out var error), $"panel '{panel.GetProperty("title")}': {error}");
                Assert.True(result.TryGetProperty("series", out var series) && series.GetArrayLength() > 0, $"panel '{panel.GetProperty("title")}' finds no data: {query}");
                checkedQueries++;
            }
        }
        Assert.Equal(10, checkedQueries);
    }

    private static FacilityGateway.Sinks.SinkRecord Record(int id, ReadingBatch batch) => new FacilityGateway.Sinks.TelemetryRecord(id + 1, $"test-{id + 1}", batch, batch.Readings);
}
