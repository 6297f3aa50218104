using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using System.Text;
using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Sources;

/// <summary>
/// What tells a source's plan from another: its name and the options it was made from (<see cref="ISource.MadeFrom"/>),
/// each written out property by property, so a changed register, interval, threshold or serial setting is seen. Where an
/// option was written (file and line) is not part of it: moving a device in the file, or editing a comment above it,
/// changes nothing that runs. Nor are the <c>alarms:</c> written beside the points (kept as YAML for the alarms'
/// part): a changed threshold restarts no line.
/// </summary>
/// <remarks>
/// A walk over the options' public properties, not a JSON serializer: the options are any source kind's own classes,
/// which no build-time JSON context can list. The gateway's assemblies are trimmer roots (the csproj), so their
/// properties are there to walk in a Native AOT build too.
/// </remarks>
public static class SourceFingerprint
{
    /// <summary>Options nest a few levels (line, device, point, scaling); deeper is a cycle, cut off.</summary>
    private const int MaxDepth = 16;

    /// <summary>The fingerprint of <paramref name="source"/>: equal for two sources that would run alike.</summary>
    public static string Of(ISource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var text = new StringBuilder(source.Name);
        foreach (var options in source.MadeFrom)
        {
            text.Append('\n').Append(options.GetType().FullName).Append(' ');
            Write(text, options, 0);
        }
        return text.ToString();
    }

    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Options are the gateway's own types; its assemblies are trimmer roots (FacilityGateway.csproj).")]
    private static void Write(StringBuilder text, object? value, int depth)
    {
        switch (value)
        {
            case null or SourceLocation or YamlDotNet.RepresentationModel.YamlNode:
                text.Append("null");
                return;
            case string s:
                text.Append('"').Append(s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
                return;
            case Enum or bool:
                text.Append(value);
                return;
            case IFormattable formattable:
                text.Append(formattable.ToString(null, CultureInfo.InvariantCulture));
                return;
        }
        if (depth >= MaxDepth)
        {
            text.Append('…');
            return;
        }
        if (value is IDictionary map)
        {
            text.Append('{');
            foreach (DictionaryEntry entry in map)
            {
                Write(text, entry.Key, depth + 1);
                text.Append(':');
                Write(text, entry.Value, depth + 1);
                text.Append(',');
            }
            text.Append('}');
            return;
        }
        if (value is IEnumerable items)
        {
            text.Append('[');
            foreach (object? item in items)
            {
                Write(text, item, depth + 1);
                text.Append(',');
            }
            text.Append(']');
            return;
        }
        var type = value.GetType();
        if (!type.Assembly.GetName().Name!.StartsWith("facility-gateway", StringComparison.Ordinal) && !type.Assembly.GetName().Name!.StartsWith("FacilityGateway", StringComparison.Ordinal))
        {
            text.Append(value); // another library's value (an address, a time zone): its own text
            return;
        }
        text.Append('{');
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!property.CanRead || property.GetIndexParameters().Length > 0)
                continue;
            text.Append(property.Name).Append(':');
            Write(text, property.GetValue(value), depth + 1);
            text.Append(',');
        }
        text.Append('}');
    }
}
