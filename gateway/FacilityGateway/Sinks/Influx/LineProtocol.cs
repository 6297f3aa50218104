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
/// </summary>
public static class LineProtocol
{
    public static string Line(string measurement, IReadOnlyDictionary<string, string> tags, ReadingBatch batch)
    {
        var sb = new StringBuilder(64 + batch.Readings.Count * 24);
        Escape(sb, measurement, measurementName: true);
        foreach (var (key, value) in tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (value.Length == 0)
                continue;
            sb.Append(',');
            Escape(sb, key);
            sb.Append('=');
            Escape(sb, value);
        }
        sb.Append(' ');
        bool first = true;
        foreach (var r in batch.Readings)
        {
            string field = r.PointId.Replace('.', '_');
            if (!r.Quality.IsBad() && (r.Text is not null || double.IsFinite(r.Value)))
            {
                Separator(sb, ref first);
                Escape(sb, field);
                sb.Append('=');
                // The number when there is one (a contact's 1/0, plottable; its word follows from it), else the text.
                if (double.IsFinite(r.Value))
                    sb.Append(r.Value.ToString("R", CultureInfo.InvariantCulture));
                else
                    QuotedString(sb, r.Text!);
            }
            if (r.Quality != Quality.Good)
            {
                Separator(sb, ref first);
                Escape(sb, field + "_q");
                sb.Append('=').Append((byte)r.Quality).Append('i');
            }
        }
        if (first)
            return ""; // nothing to write
        sb.Append(' ').Append(batch.SampledAt.ToUnixTimeMilliseconds());
        return sb.ToString();
    }

    private static void Separator(StringBuilder sb, ref bool first)
    {
        if (!first)
            sb.Append(',');
        first = false;
    }

    /// <summary>
    /// A name or tag value. Line protocol has no escape for control characters (a newline ends the line, so one device's
    /// garbage string would get every batch refused): they become spaces. Any other Unicode text goes as UTF-8.
    /// </summary>
    private static void Escape(StringBuilder sb, string text, bool measurementName = false)
    {
        foreach (char c in text)
        {
            if (char.IsControl(c))
            {
                sb.Append("\\ ");
                continue;
            }
            if (c is ',' or ' ' || (c == '=' && !measurementName))
                sb.Append('\\');
            sb.Append(c);
        }
        if (text.EndsWith('\\'))
            sb.Append(' '); // a trailing backslash would escape the separator after it
    }

    /// <summary>A string field: quotes and backslashes escaped, control characters as spaces.</summary>
    private static void QuotedString(StringBuilder sb, string text)
    {
        sb.Append('"');
        foreach (char c in text)
        {
            if (c is '"' or '\\')
                sb.Append('\\');
            sb.Append(char.IsControl(c) ? ' ' : c);
        }
        sb.Append('"');
    }
}
