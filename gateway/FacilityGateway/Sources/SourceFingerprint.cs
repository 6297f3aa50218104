using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Sources;

/// <summary>
/// What tells a source's plan from another: its name and the options it was made from (<see cref="ISource.MadeFrom"/>),
/// each written out by its own type, so a changed register, interval, threshold or serial setting is seen. Where an
/// option was written (file and line) is not part of it: moving a device in the file, or editing a comment above it,
/// changes nothing that runs. Nor are the <c>alarms:</c> written beside the points (kept as YAML for the alarms'
/// part): a changed threshold restarts no line.
/// </summary>
public static class SourceFingerprint
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new WithoutLocation(), new WithoutYaml() } };

    /// <summary>The fingerprint of <paramref name="source"/>: equal for two sources that would run alike.</summary>
    public static string Of(ISource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var text = new StringBuilder(source.Name);
        foreach (var options in source.MadeFrom)
            text.Append('\n').Append(options.GetType().FullName).Append(' ').Append(JsonSerializer.Serialize(options, options.GetType(), Json));
        return text.ToString();
    }

    /// <summary>Writes every <see cref="SourceLocation"/> (a resolved point's origin, for messages) as null.</summary>
    private sealed class WithoutLocation : JsonConverter<SourceLocation>
    {
        public override SourceLocation Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => throw new NotSupportedException();

        public override void Write(Utf8JsonWriter writer, SourceLocation value, JsonSerializerOptions options) => writer.WriteNullValue();
    }

    /// <summary>Writes YAML kept for another part (a device's <c>alarms:</c>) as null.</summary>
    private sealed class WithoutYaml : JsonConverter<YamlDotNet.RepresentationModel.YamlNode>
    {
        public override YamlDotNet.RepresentationModel.YamlNode Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => throw new NotSupportedException();

        public override void Write(Utf8JsonWriter writer, YamlDotNet.RepresentationModel.YamlNode value, JsonSerializerOptions options) => writer.WriteNullValue();
    }
}
