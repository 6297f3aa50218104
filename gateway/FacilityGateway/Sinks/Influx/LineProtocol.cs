using System.Buffers;
using System.Globalization;
using System.Text;
using FacilityGateway.Readings;

namespace FacilityGateway.Sinks.Influx;

/// <summary>
/// The InfluxDB schema (docs/INFLUXDB.md): one line per device poll.
/// <code>readings,site=S,gateway=G,device=D,asset=A,asset_type=pump power_total=1234.5,serial="SN42",voltage_l1_q=80i 1764200400000</code>
/// Tags: site, gateway, device, asset, asset_type. Fields: one per point (dots become underscores), a float, or a string
/// for text points; a point whose quality is not good also gets <c>&lt;point&gt;_q</c>, the quality code (40-41 uncertain,
/// 80+ bad), and a bad point has no value field. Timestamps in milliseconds.
/// Written straight as UTF-8 into the request body (no string per line, no copy of the batch as UTF-16): at 100,000
/// points/s the text of the lines was a tenth of the gateway's CPU and most of its large-object heap.
/// </summary>
public static class LineProtocol
{
    private static readonly string ControlCharacters = new([.. Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Select(c => (char)c)]);
    private static readonly SearchValues<char> MeasurementSpecials = SearchValues.Create(ControlCharacters + ", ");
    private static readonly SearchValues<char> TagSpecials = SearchValues.Create(ControlCharacters + ", =");
    private static readonly SearchValues<char> FieldSpecials = SearchValues.Create(ControlCharacters + ", =.");
    private static readonly SearchValues<char> StringSpecials = SearchValues.Create(ControlCharacters + "\"\\");

    /// <summary>One line as text (tests and tools; the sink writes <see cref="Write"/> into its body).</summary>
    public static string Line(string measurement, IReadOnlyDictionary<string, string> tags, ReadingBatch batch)
    {
        var output = new ArrayBufferWriter<byte>();
        return Write(output, SeriesKey(measurement, tags), batch) ? Encoding.UTF8.GetString(output.WrittenSpan) : "";
    }

    /// <summary>The measurement and the tags (sorted, the empty ones left out) as the start of every line of a series.</summary>
    public static byte[] SeriesKey(string measurement, IReadOnlyDictionary<string, string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var output = new ArrayBufferWriter<byte>(64);
        Name(output, measurement, MeasurementSpecials);
        foreach (var (key, value) in tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (value.Length == 0)
                continue;
            Ascii(output, ',');
            Name(output, key, TagSpecials);
            Ascii(output, '=');
            Name(output, value, TagSpecials);
        }
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Appends the batch's line after <paramref name="seriesKey"/>; false, with nothing written, when the batch has no field.</summary>
    public static bool Write(IBufferWriter<byte> output, ReadOnlySpan<byte> seriesKey, ReadingBatch batch)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(batch);
        if (!HasLine(batch))
            return false; // nothing to write
        output.Write(seriesKey);
        Ascii(output, ' ');
        bool first = true;
        foreach (var r in batch.Readings)
        {
            if (!r.Quality.IsBad() && (r.Text is not null || double.IsFinite(r.Value)))
            {
                Separator(output, ref first);
                Name(output, r.PointId, FieldSpecials);
                Ascii(output, '=');
                // The number when there is one (a contact's 1/0, plottable; its word follows from it), else the text.
                if (double.IsFinite(r.Value))
                    Number(output, r.Value, "R");
                else
                    QuotedString(output, r.Text!);
            }
            if (r.Quality != Quality.Good)
            {
                Separator(output, ref first);
                Name(output, r.PointId, FieldSpecials, endsName: false);
                Ascii(output, '_');
                Ascii(output, 'q');
                Ascii(output, '=');
                Number(output, (byte)r.Quality);
                Ascii(output, 'i');
            }
        }
        Ascii(output, ' ');
        Number(output, batch.SampledAt.ToUnixTimeMilliseconds());
        return true;
    }

    /// <summary>True when the batch has a field to write: a value, a text or a quality that is not good.</summary>
    public static bool HasLine(ReadingBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        foreach (var r in batch.Readings)
            if (r.Quality != Quality.Good || r.Text is not null || double.IsFinite(r.Value))
                return true;
        return false;
    }

    private static void Separator(IBufferWriter<byte> output, ref bool first)
    {
        if (!first)
            Ascii(output, ',');
        first = false;
    }

    /// <summary>
    /// A name or tag value. Line protocol has no escape for control characters (a newline ends the line, so one device's
    /// garbage string would get every batch refused): they become escaped spaces. A field name's dots become
    /// underscores. Any other Unicode text goes as UTF-8.
    /// </summary>
    private static void Name(IBufferWriter<byte> output, string text, SearchValues<char> specials, bool endsName = true)
    {
        var rest = text.AsSpan();
        for (int i = rest.IndexOfAny(specials); i >= 0; i = rest.IndexOfAny(specials))
        {
            Utf8(output, rest[..i]);
            char c = rest[i];
            if (c == '.')
            {
                Ascii(output, '_');
            }
            else
            {
                Ascii(output, '\\');
                Ascii(output, char.IsControl(c) ? ' ' : c);
            }
            rest = rest[(i + 1)..];
        }
        Utf8(output, rest);
        if (endsName && text.EndsWith('\\'))
            Ascii(output, ' '); // a trailing backslash would escape the separator after it
    }

    /// <summary>A string field: quotes and backslashes escaped, control characters as spaces.</summary>
    private static void QuotedString(IBufferWriter<byte> output, string text)
    {
        Ascii(output, '"');
        var rest = text.AsSpan();
        for (int i = rest.IndexOfAny(StringSpecials); i >= 0; i = rest.IndexOfAny(StringSpecials))
        {
            Utf8(output, rest[..i]);
            char c = rest[i];
            if (char.IsControl(c))
            {
                Ascii(output, ' ');
            }
            else
            {
                Ascii(output, '\\');
                Ascii(output, c);
            }
            rest = rest[(i + 1)..];
        }
        Utf8(output, rest);
        Ascii(output, '"');
    }

    private static void Utf8(IBufferWriter<byte> output, ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
            return;
        int written = Encoding.UTF8.GetBytes(text, output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length)));
        output.Advance(written);
    }

    private static void Ascii(IBufferWriter<byte> output, char c)
    {
        output.GetSpan(1)[0] = (byte)c;
        output.Advance(1);
    }

    /// <summary>A number in invariant digits (a double as "R": the shortest text that reads back as the same value).</summary>
    private static void Number<T>(IBufferWriter<byte> output, T value, string? format = null) where T : IUtf8SpanFormattable
    {
        var span = output.GetSpan(32);
        if (!value.TryFormat(span, out int written, format, CultureInfo.InvariantCulture))
            throw new InvalidOperationException($"{value} does not fit 32 bytes"); // no number of these types is longer
        output.Advance(written);
    }
}
