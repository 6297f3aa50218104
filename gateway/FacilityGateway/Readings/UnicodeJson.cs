using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FacilityGateway.Readings;

/// <summary>
/// JSON as this product's users read it: names and texts in any script (Chinese building names, accented ones) written as
/// UTF-8, not as <c>\uXXXX</c> escapes, in the outbox, on MQTT, to webhooks and on the dashboard. Only what JSON must
/// escape is escaped (quotes, backslash, control characters; characters outside the BMP, such as emoji, come as
/// surrogate escapes, which every JSON reader turns back into the same text).
/// </summary>
public static class UnicodeJson
{
    /// <summary>The encoder: every Unicode letter as itself.</summary>
    public static JavaScriptEncoder Encoder => JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>Options for a <see cref="Utf8JsonWriter"/>.</summary>
    public static JsonWriterOptions Writer { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, TypeInfoResolver = UnicodeJsonContext.Default };

    /// <summary>
    /// A small message of names and values (a command's reply, an audit row, a discovery payload) as UTF-8 JSON. Each
    /// value is one of the types <see cref="UnicodeJsonContext"/> lists; another throws <see cref="NotSupportedException"/>.
    /// </summary>
    public static byte[] SerializeToUtf8Bytes(Dictionary<string, object?> message) =>
        JsonSerializer.SerializeToUtf8Bytes(message, Options.GetTypeInfo<Dictionary<string, object?>>());

    /// <inheritdoc cref="SerializeToUtf8Bytes"/>
    public static string Serialize(Dictionary<string, object?> message) =>
        JsonSerializer.Serialize(message, Options.GetTypeInfo<Dictionary<string, object?>>());
}

/// <summary>The values a <see cref="UnicodeJson"/> message may hold, generated at build time (the same in a Native AOT build).</summary>
[JsonSerializable(typeof(Dictionary<string, object?>))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(float))]
[JsonSerializable(typeof(DateTimeOffset))]
[JsonSerializable(typeof(TimeSpan))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class UnicodeJsonContext : JsonSerializerContext;
