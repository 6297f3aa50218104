using System.Text.Json;
using FacilityGateway.Readings;

namespace FacilityGateway.Outbox;

/// <summary>
/// The stored form of a <see cref="ReadingBatch"/>: compact JSON
/// <c>{"d":device,"a":asset,"t":unix_ms,"r":[[point,value|null,text|null,unit,quality],...]}</c>.
/// </summary>
public static class ReadingBatchCodec
{
    public static byte[] Encode(ReadingBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64 + batch.Readings.Count * 48);
        using (var json = new Utf8JsonWriter(buffer, UnicodeJson.Writer))
        {
            json.WriteStartObject();
            json.WriteString("d", batch.DeviceId);
            json.WriteString("a", batch.AssetId);
            json.WriteNumber("t", batch.SampledAt.ToUnixTimeMilliseconds());
            json.WriteStartArray("r");
            foreach (var r in batch.Readings)
            {
                json.WriteStartArray();
                json.WriteStringValue(r.PointId);
                if (double.IsFinite(r.Value))
                    json.WriteNumberValue(r.Value);
                else
                    json.WriteNullValue();
                if (r.Text is null)
                    json.WriteNullValue();
                else
                    json.WriteStringValue(r.Text);
                json.WriteStringValue(r.Unit);
                json.WriteNumberValue((byte)r.Quality);
                json.WriteEndArray();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static ReadingBatch Decode(ReadOnlySpan<byte> payload)
    {
        var reader = new Utf8JsonReader(payload);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        string device = root.GetProperty("d").GetString()!;
        var sampledAt = DateTimeOffset.FromUnixTimeMilliseconds(root.GetProperty("t").GetInt64());
        var readings = new List<Reading>();
        foreach (var item in root.GetProperty("r").EnumerateArray())
        {
            readings.Add(new Reading(
                device,
                item[0].GetString()!,
                item[1].ValueKind == JsonValueKind.Null ? double.NaN : item[1].GetDouble(),
                item[2].ValueKind == JsonValueKind.Null ? null : item[2].GetString(),
                item[3].GetString() ?? "",
                (Quality)item[4].GetByte(),
                sampledAt));
        }
        return new ReadingBatch(device, root.GetProperty("a").GetString()!, sampledAt, readings);
    }
}
