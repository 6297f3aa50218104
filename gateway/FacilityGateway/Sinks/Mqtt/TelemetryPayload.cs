using System.Globalization;
using System.Text.Json;
using FacilityGateway.Readings;

namespace FacilityGateway.Sinks.Mqtt;

/// <summary>
/// The JSON of one telemetry message (docs/MQTT.md):
/// <code>{"id":"3fa2c1d0e4b5-1234","device":"main-meter","asset":"main-incomer","ts":"2026-11-26T23:40:00.000Z",
///  "points":{"power_total":{"v":1234.5,"u":"W","q":"good"},"serial":{"s":"SN42","q":"good"},"voltage_l1":{"v":null,"u":"V","q":"bad_comm_failure"}}}</code>
/// <c>id</c> is the outbox record key: the same on every redelivery, so consumers drop duplicates by it.
/// </summary>
public static class TelemetryPayload
{
    public static byte[] Encode(string recordKey, ReadingBatch batch, IReadOnlyList<Reading> readings)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128 + readings.Count * 64);
        using (var json = new Utf8JsonWriter(buffer, UnicodeJson.Writer))
        {
            json.WriteStartObject();
            json.WriteString("id", recordKey);
            json.WriteString("device", batch.DeviceId);
            json.WriteString("asset", batch.AssetId);
            json.WriteString("ts", batch.SampledAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            json.WritePropertyName("points");
            json.WriteStartObject();
            foreach (var r in readings)
            {
                json.WritePropertyName(r.PointId);
                json.WriteStartObject();
                // A number when there is one (a contact has both: 1 and "wet"), the text beside it.
                if (double.IsFinite(r.Value))
                    json.WriteNumber("v", r.Value);
                else if (r.Text is null)
                    json.WriteNull("v");
                if (r.Text is not null)
                    json.WriteString("s", r.Text);
                if (r.Unit.Length > 0)
                    json.WriteString("u", r.Unit);
                json.WriteString("q", r.Quality.Name());
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
