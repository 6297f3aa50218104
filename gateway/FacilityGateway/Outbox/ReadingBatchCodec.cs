using System.Text;
using System.Text.Json;
using FacilityGateway.Readings;

namespace FacilityGateway.Outbox;

/// <summary>
/// The stored form of a <see cref="ReadingBatch"/>, compact because every byte of it reaches the SD card several times
/// (the record, the WAL, the checkpoint, the delete): a marker byte <c>0xFB</c>, then device, asset, sample time
/// (Unix ms) and each reading as point id, flags, value (float32 when that is exact, else float64), text, unit (only
/// when it differs from the reading before) and quality. Strings are UTF-8 with a 7-bit length prefix. About 10-20
/// bytes a point, against 26-40 for the JSON of earlier builds, which is still read
/// (<c>{"d":device,"a":asset,"t":unix_ms,"r":[[point,value|null,text|null,unit,quality],...]}</c>): a file written
/// before an upgrade delivers as it was.
/// </summary>
public static class ReadingBatchCodec
{
    private const byte Marker = 0xFB;

    [Flags]
    private enum Field : byte
    {
        None = 0,
        Value = 1,
        Single = 2,
        Text = 4,
        SameUnit = 8,
    }

    public static byte[] Encode(ReadingBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var stream = new MemoryStream(32 + batch.Readings.Count * 16);
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Marker);
            writer.Write(batch.DeviceId);
            writer.Write(batch.AssetId);
            writer.Write7BitEncodedInt64(batch.SampledAt.ToUnixTimeMilliseconds());
            writer.Write7BitEncodedInt(batch.Readings.Count);
            string? unit = null;
            foreach (var r in batch.Readings)
            {
                var fields = Field.None;
                bool finite = double.IsFinite(r.Value);
                if (finite)
                    fields |= (double)(float)r.Value == r.Value ? Field.Value | Field.Single : Field.Value;
                if (r.Text is not null)
                    fields |= Field.Text;
                if (r.Unit == unit)
                    fields |= Field.SameUnit;
                writer.Write(r.PointId);
                writer.Write((byte)fields);
                if (fields.HasFlag(Field.Single))
                    writer.Write((float)r.Value);
                else if (finite)
                    writer.Write(r.Value);
                if (r.Text is not null)
                    writer.Write(r.Text);
                if (!fields.HasFlag(Field.SameUnit))
                    writer.Write(r.Unit);
                writer.Write((byte)r.Quality);
                unit = r.Unit;
            }
        }
        return stream.ToArray();
    }

    /// <summary>Decodes a stored record (compact, or the JSON of earlier builds).</summary>
    public static ReadingBatch Decode(ReadOnlySpan<byte> payload) =>
        payload.IsEmpty || payload[0] != Marker ? DecodeJson(payload) : DecodeCompact(payload.ToArray());

    /// <summary>Decodes a stored record without copying it (the delivery path).</summary>
    public static ReadingBatch Decode(byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return payload.Length == 0 || payload[0] != Marker ? DecodeJson(payload) : DecodeCompact(payload);
    }

    private static ReadingBatch DecodeCompact(byte[] payload)
    {
        using var stream = new MemoryStream(payload, writable: false);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        _ = reader.ReadByte();
        string device = reader.ReadString();
        string asset = reader.ReadString();
        var sampledAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.Read7BitEncodedInt64());
        int count = reader.Read7BitEncodedInt();
        if (count < 0 || count > payload.Length)
            throw new FormatException($"a batch of {count} readings in {payload.Length} bytes");
        var readings = new List<Reading>(count);
        string unit = "";
        for (int i = 0; i < count; i++)
        {
            string point = reader.ReadString();
            var fields = (Field)reader.ReadByte();
            double value = fields.HasFlag(Field.Single) ? reader.ReadSingle() : fields.HasFlag(Field.Value) ? reader.ReadDouble() : double.NaN;
            string? text = fields.HasFlag(Field.Text) ? reader.ReadString() : null;
            if (!fields.HasFlag(Field.SameUnit))
                unit = reader.ReadString();
            readings.Add(new Reading(device, point, value, text, unit, (Quality)reader.ReadByte(), sampledAt));
        }
        if (stream.Position != stream.Length)
            throw new FormatException($"{stream.Length - stream.Position} bytes after the last reading");
        return new ReadingBatch(device, asset, sampledAt, readings);
    }

    /// <summary>The JSON records of builds before the compact form.</summary>
    private static ReadingBatch DecodeJson(ReadOnlySpan<byte> payload)
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
