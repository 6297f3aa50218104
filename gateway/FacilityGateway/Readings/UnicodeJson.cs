using System.Text.Encodings.Web;
using System.Text.Json;

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
}
