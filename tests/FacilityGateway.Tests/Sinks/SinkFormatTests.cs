using System.Text.Json;
using FacilityGateway.Configuration;
using FacilityGateway.Outbox;
using FacilityGateway.Readings;
using FacilityGateway.Sinks.Influx;
using FacilityGateway.Sinks.Mqtt;

namespace FacilityGateway.Tests.Sinks;

public class SinkFormatTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_764_200_400_000);

    private static ReadingBatch Batch(DateTimeOffset at, params Reading[] readings) => new("meter", "incomer", at, readings);

    private static Reading R(string point, double value, Quality quality = Quality.Good, string unit = "kW", string? text = null, DateTimeOffset? at = null) =>
        new("meter", point, value, text, unit, quality, at ?? T0);

    [Fact]
    public void ReadingBatchCodec_RoundTrips()
    {
        var batch = Batch(T0, R("p", 1.5), R("bad", double.NaN, Quality.BadCommFailure), R("serial", double.NaN, text: "SN42", unit: ""));
        var back = ReadingBatchCodec.Decode(ReadingBatchCodec.Encode(batch));
        Assert.Equal((batch.DeviceId, batch.AssetId, batch.SampledAt), (back.DeviceId, back.AssetId, back.SampledAt));
        Assert.Equal(batch.Readings, back.Readings);
    }

    [Fact]
    public void ReadingBatchCodec_KeepsEveryValueExactly_AndIsUnderHalfTheJsonOfEarlierBuilds()
    {
        // SD-card writes: every stored byte is written several times (record, WAL, checkpoint, delete).
        var readings = Enumerable.Range(0, 50).Select(p => R($"p{p}", p * 1.5, unit: "kW")).ToList();
        readings.Add(R("energy", 123456.789012345, unit: "kWh"));
        readings.Add(R("tiny", double.Epsilon));
        readings.Add(R("stale", double.NaN, Quality.UncertainStale, unit: "kWh"));
        var batch = new ReadingBatch("meter", "incomer", T0, readings);
        byte[] compact = ReadingBatchCodec.Encode(batch);
        Assert.Equal(batch.Readings, ReadingBatchCodec.Decode(compact).Readings);
        Assert.True(compact.Length * 2 < LegacyJson(batch).Length, $"{compact.Length} bytes against {LegacyJson(batch).Length} as JSON");
    }

    [Fact]
    public void ReadingBatchCodec_ReadsTheJsonRecordsOfEarlierBuilds()
    {
        // An outbox file written before the upgrade still delivers what it holds.
        var batch = Batch(T0, R("p", 1.5), R("serial", double.NaN, text: "SN42", unit: ""));
        Assert.Equal(batch.Readings, ReadingBatchCodec.Decode(LegacyJson(batch)).Readings);
    }

    /// <summary>The record of builds before the compact form, as they wrote it.</summary>
    private static byte[] LegacyJson(ReadingBatch batch) => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
    {
        ["d"] = batch.DeviceId,
        ["a"] = batch.AssetId,
        ["t"] = batch.SampledAt.ToUnixTimeMilliseconds(),
        ["r"] = batch.Readings.Select(r => new object?[] { r.PointId, double.IsFinite(r.Value) ? r.Value : null, r.Text, r.Unit, (byte)r.Quality }).ToList(),
    }, ReflectionJson);

    /// <summary>As those builds wrote it: by reflection.</summary>
    private static readonly System.Text.Json.JsonSerializerOptions ReflectionJson = new() { TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() };

    [Fact]
    public void LineProtocol_ControlCharactersInTextAndTags_NeverBreakTheLine_UnicodeStaysAsIs()
    {
        // Regression: one device's garbage string (a newline in a serial number) ended the line, and InfluxDB refused
        // every batch that held it.
        var tags = new Dictionary<string, string> { ["site"] = "滨江\n花园", ["asset"] = "三号楼 水泵房" };
        var batch = Batch(T0, R("serial", double.NaN, unit: "", text: "SN\n42\r\u0000 \"x\" 💧"));
        string line = LineProtocol.Line("readings", tags, batch);
        Assert.DoesNotContain('\n', line);
        Assert.DoesNotContain('\r', line);
        Assert.DoesNotContain('\0', line);
        Assert.Equal("readings,asset=三号楼\\ 水泵房,site=滨江\\ 花园 serial=\"SN 42   \\\"x\\\" 💧\" 1764200400000", line);
    }

    [Fact]
    public void LineProtocol_HasTagsFieldsQualityAndMilliseconds()
    {
        var tags = new Dictionary<string, string> { ["site"] = "river side", ["gateway"] = "gw", ["device"] = "meter", ["asset"] = "incomer", ["asset_type"] = "meter" };
        var batch = Batch(T0, R("power_total", 1234.5), R("health.online", 1, unit: ""), R("voltage_l1", double.NaN, Quality.BadCommFailure),
            R("frequency", 70, Quality.UncertainOutOfRange), R("serial", double.NaN, text: "S\"N", unit: ""));
        Assert.Equal(
            "readings,asset=incomer,asset_type=meter,device=meter,gateway=gw,site=river\\ side power_total=1234.5,health_online=1,voltage_l1_q=80i,frequency=70,frequency_q=40i,serial=\"S\\\"N\" 1764200400000",
            LineProtocol.Line("readings", tags, batch));
    }

    [Fact]
    public void TelemetryPayload_HasIdDeviceAssetTimeAndPoints()
    {
        var batch = Batch(T0, R("power_total", 1234.5), R("voltage_l1", double.NaN, Quality.BadCommFailure, "V"), R("serial", double.NaN, text: "SN42", unit: ""));
        var json = JsonDocument.Parse(TelemetryPayload.Encode("ab12-7", batch, batch.Readings)).RootElement;
        Assert.Equal("ab12-7", json.GetProperty("id").GetString());
        Assert.Equal("meter", json.GetProperty("device").GetString());
        Assert.Equal("incomer", json.GetProperty("asset").GetString());
        Assert.Equal("2025-11-26T23:40:00.000Z", json.GetProperty("ts").GetString());
        var points = json.GetProperty("points");
        Assert.Equal(1234.5, points.GetProperty("power_total").GetProperty("v").GetDouble());
        Assert.Equal("kW", points.GetProperty("power_total").GetProperty("u").GetString());
        Assert.Equal("good", points.GetProperty("power_total").GetProperty("q").GetString());
        Assert.Equal(JsonValueKind.Null, points.GetProperty("voltage_l1").GetProperty("v").ValueKind);
        Assert.Equal("bad_comm_failure", points.GetProperty("voltage_l1").GetProperty("q").GetString());
        Assert.Equal("SN42", points.GetProperty("serial").GetProperty("s").GetString());
    }

    [Fact]
    public void ChangeFilter_SendsOnDeadbandQualityAndHeartbeat()
    {
        var points = new Dictionary<(string, string), PointInfo> { [("meter", "p")] = new("p", null, "kW", 0.5), [("meter", "q")] = new("q", null, "", 0) };
        var filter = new FacilityGateway.Delivery.ReportByExceptionFilter(points, TimeSpan.FromMinutes(5));
        IEnumerable<string> Sent(double p, double q, int seconds, Quality quality = Quality.Good)
        {
            var delivery = filter.Begin();
            var chosen = delivery.Select(Batch(T0.AddSeconds(seconds), R("p", p, quality, at: T0.AddSeconds(seconds)), R("q", q, at: T0.AddSeconds(seconds)))).Select(r => r.PointId).ToList();
            delivery.Acknowledged();
            return chosen;
        }

        Assert.Equal(["p", "q"], Sent(10, 1, 0));           // first time: everything
        Assert.Empty(Sent(10.4, 1, 1));                      // within the deadband, unchanged
        Assert.Equal(["p"], Sent(10.6, 1, 2));               // moved by more than 0.5 from the last sent (10)
        Assert.Equal(["q"], Sent(10.6, 2, 3));               // deadband 0: any change
        Assert.Equal(["p"], Sent(10.6, 2, 4, Quality.UncertainOutOfRange)); // quality changed
        Assert.Equal(["p", "q"], Sent(10.6, 2, 400));        // heartbeat passed
    }

    [Fact]
    public void ChangeFilter_ADeliveryThatFailsHalfWay_SendsTheChangesAgainOnTheRetry()
    {
        // Regression: points were marked as sent when chosen, before the broker acknowledged them; the retry of a failed
        // delivery left them out, so a leak probe going wet was missing from telemetry until the heartbeat.
        var points = new Dictionary<(string, string), PointInfo> { [("meter", "leak")] = new("leak", null, "", 0) };
        var filter = new FacilityGateway.Delivery.ReportByExceptionFilter(points, TimeSpan.FromMinutes(5));
        var dry = Batch(T0, R("leak", 0, at: T0));
        var wet = Batch(T0.AddSeconds(1), R("leak", 1, at: T0.AddSeconds(1)));
        var first = filter.Begin();
        Assert.Single(first.Select(dry));
        first.Acknowledged();

        var failed = filter.Begin();
        Assert.Single(failed.Select(wet)); // published, but the broker went away before its PUBACK: not acknowledged

        var retry = filter.Begin();
        Assert.Equal([1.0], retry.Select(wet).Select(r => r.Value));
        retry.Acknowledged();
        Assert.Empty(filter.Begin().Select(wet)); // once acknowledged, unchanged is not sent again
    }

    [Fact]
    public void ChangeFilter_WithinOneDelivery_TheLaterPollOfAPointComparesWithTheEarlierOne()
    {
        var points = new Dictionary<(string, string), PointInfo> { [("meter", "p")] = new("p", null, "kW", 0.5) };
        var filter = new FacilityGateway.Delivery.ReportByExceptionFilter(points, TimeSpan.FromMinutes(5));
        var delivery = filter.Begin();
        Assert.Single(delivery.Select(Batch(T0, R("p", 10, at: T0))));
        Assert.Empty(delivery.Select(Batch(T0.AddSeconds(1), R("p", 10.2, at: T0.AddSeconds(1)))));
    }

    [Fact]
    public void TelemetryAndTicketJson_CarryChineseAccentedAndEmojiText_AsUtf8_NotEscapes()
    {
        var at = T0;
        var batch = new ReadingBatch("三号泵", "水泵房", at, [new("三号泵", "状态", 1, "运行 Zürich 💧", "", Quality.Good, at)]);
        string telemetry = System.Text.Encoding.UTF8.GetString(FacilityGateway.Sinks.Mqtt.TelemetryPayload.Encode("e-1", batch, batch.Readings));
        Assert.Contains("\"device\":\"三号泵\"", telemetry, StringComparison.Ordinal);
        Assert.Contains("运行 Zürich", telemetry, StringComparison.Ordinal);
        Assert.Equal("运行 Zürich 💧", System.Text.Json.JsonDocument.Parse(telemetry).RootElement.GetProperty("points").GetProperty("状态").GetProperty("s").GetString());
        byte[] stored = FacilityGateway.Outbox.ReadingBatchCodec.Encode(batch);
        Assert.Contains("水泵房", System.Text.Encoding.UTF8.GetString(stored), StringComparison.Ordinal); // UTF-8 inside, never escaped
        Assert.Equal("运行 Zürich 💧", FacilityGateway.Outbox.ReadingBatchCodec.Decode(stored).Readings[0].Text);
    }
}
