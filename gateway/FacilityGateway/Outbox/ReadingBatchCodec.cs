using System.Text;
using System.Text.Json;
using FacilityGateway.Readings;

namespace FacilityGateway.Outbox;

/// <summary>
/// The stored form of a <see cref="ReadingBatch"/>, compact because every byte of it reaches the SD card twice (the
/// WAL, then the checkpoint). Three forms, all read:
/// <list type="bullet">
/// <item>With a layout (<c>0xFC</c>, a device's usual poll): the layout's id (<see cref="ReadingLayouts"/>: device,
/// asset, point ids and units, stored once in the file), sample time (Unix ms), then either four bytes a reading (every
/// reading good, float32 exact, no text: the common poll) or each reading's flags, value, text and quality. About 4
/// bytes a point.</item>
/// <item>Self-describing (<c>0xFB</c>: small batches, dead letters, and when no layout can be made): device, asset,
/// sample time and each reading as point id, flags, value (float32 when that is exact, else float64), text, unit (only
/// when it differs from the reading before) and quality. Strings are UTF-8 with a 7-bit length prefix. About 10-20
/// bytes a point.</item>
/// <item>The JSON of earlier builds (<c>{"d":device,"a":asset,"t":unix_ms,"r":[[point,value|null,text|null,unit,quality],...]}</c>):
/// a file written before an upgrade delivers as it was.</item>
/// </list>
/// </summary>
public static class ReadingBatchCodec
{
    private const byte Marker = 0xFB;
    private const byte LayoutMarker = 0xFC;
    private const byte AllGoodSingles = 0, EachReading = 1;

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
                var fields = ValueFields(r) | (r.Unit == unit ? Field.SameUnit : Field.None);
                writer.Write(r.PointId);
                writer.Write((byte)fields);
                WriteValueAndText(writer, r, fields);
                if (!fields.HasFlag(Field.SameUnit))
                    writer.Write(r.Unit);
                writer.Write((byte)r.Quality);
                unit = r.Unit;
            }
        }
        return stream.ToArray();
    }

    /// <summary>The batch against its layout: only the values (<paramref name="layout"/> must <see cref="ReadingLayout.Fits"/> it).</summary>
    public static byte[] Encode(ReadingBatch batch, ReadingLayout layout)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(layout);
        var readings = batch.Readings;
        bool allGoodSingles = true;
        foreach (var r in readings)
        {
            if (r.Quality != Quality.Good || ValueFields(r) != (Field.Value | Field.Single))
            {
                allGoodSingles = false;
                break;
            }
        }
        using var stream = new MemoryStream(24 + readings.Count * (allGoodSingles ? 4 : 7));
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(LayoutMarker);
            writer.Write7BitEncodedInt64(layout.Id);
            writer.Write7BitEncodedInt64(batch.SampledAt.ToUnixTimeMilliseconds());
            writer.Write(allGoodSingles ? AllGoodSingles : EachReading);
            foreach (var r in readings)
            {
                if (allGoodSingles)
                {
                    writer.Write((float)r.Value);
                    continue;
                }
                var fields = ValueFields(r);
                writer.Write((byte)fields);
                WriteValueAndText(writer, r, fields);
                writer.Write((byte)r.Quality);
            }
        }
        return stream.ToArray();
    }

    /// <summary>How a reading's value is stored (float32 when that is exact, float64, or none) and whether it has a text.</summary>
    private static Field ValueFields(Reading r)
    {
        var fields = Field.None;
        if (double.IsFinite(r.Value))
            fields |= (double)(float)r.Value == r.Value ? Field.Value | Field.Single : Field.Value;
        return r.Text is null ? fields : fields | Field.Text;
    }

    private static void WriteValueAndText(BinaryWriter writer, Reading r, Field fields)
    {
        if (fields.HasFlag(Field.Single))
            writer.Write((float)r.Value);
        else if (fields.HasFlag(Field.Value))
            writer.Write(r.Value);
        if (r.Text is not null)
            writer.Write(r.Text);
    }

    private static (double Value, string? Text) ReadValueAndText(BinaryReader reader, Field fields) =>
        (fields.HasFlag(Field.Single) ? reader.ReadSingle() : fields.HasFlag(Field.Value) ? reader.ReadDouble() : double.NaN,
         fields.HasFlag(Field.Text) ? reader.ReadString() : null);

    /// <summary>True when the payload names a layout (and needs the outbox's <see cref="ReadingLayouts"/> to be read).</summary>
    public static bool NamesLayout(ReadOnlySpan<byte> payload, out long layoutId)
    {
        layoutId = 0;
        if (payload.Length < 2 || payload[0] != LayoutMarker)
            return false;
        int shift = 0;
        for (int i = 1; i < payload.Length && shift < 63; i++, shift += 7)
        {
            layoutId |= (long)(payload[i] & 0x7F) << shift;
            if ((payload[i] & 0x80) == 0)
                return true;
        }
        throw new FormatException("a layout id that does not end");
    }

    /// <summary>Decodes a stored record (any form; a layout's from <paramref name="layouts"/>).</summary>
    public static ReadingBatch Decode(ReadOnlySpan<byte> payload, ReadingLayouts? layouts = null) => Decode(payload.ToArray(), layouts);

    /// <summary>Decodes a stored record without copying it (the delivery path); a layout's from <paramref name="layouts"/>.</summary>
    public static ReadingBatch Decode(byte[] payload, ReadingLayouts? layouts = null)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (payload.Length > 0 && payload[0] == LayoutMarker)
            return DecodeWithLayout(payload, layouts);
        return payload.Length == 0 || payload[0] != Marker ? DecodeJson(payload) : DecodeCompact(payload);
    }

    private static ReadingBatch DecodeWithLayout(byte[] payload, ReadingLayouts? layouts)
    {
        using var stream = new MemoryStream(payload, writable: false);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        _ = reader.ReadByte();
        long id = reader.Read7BitEncodedInt64();
        var layout = layouts?.Find(id) ?? throw new FormatException($"the record names layout {id}, which this outbox file does not have");
        var sampledAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.Read7BitEncodedInt64());
        byte form = reader.ReadByte();
        if (form is not (AllGoodSingles or EachReading))
            throw new FormatException($"unknown form {form} of a record with a layout");
        var points = layout.Points;
        var units = layout.Units;
        var readings = new List<Reading>(points.Count);
        for (int i = 0; i < points.Count; i++)
        {
            if (form == AllGoodSingles)
            {
                readings.Add(new Reading(layout.Device, points[i], reader.ReadSingle(), null, units[i], Quality.Good, sampledAt));
                continue;
            }
            var fields = (Field)reader.ReadByte();
            var (value, text) = ReadValueAndText(reader, fields);
            readings.Add(new Reading(layout.Device, points[i], value, text, units[i], (Quality)reader.ReadByte(), sampledAt));
        }
        if (stream.Position != stream.Length)
            throw new FormatException($"{stream.Length - stream.Position} bytes after the last reading");
        return new ReadingBatch(layout.Device, layout.Asset, sampledAt, readings);
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
            var (value, text) = ReadValueAndText(reader, fields);
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
