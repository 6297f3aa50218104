namespace FacilityGateway.Sinks;

/// <summary>
/// A peer's address as logs and health may show it: scheme, host and port only. The path and query of a webhook or
/// InfluxDB url often are the secret (an ntfy topic anyone can post to, a chat hook's token, <c>?u=…&amp;p=…</c>), and
/// logs travel further than configuration files.
/// </summary>
public static class RedactedAddress
{
    /// <summary><c>https://ntfy.example.com/…</c> for <c>https://ntfy.example.com/alice-phone</c>.</summary>
    public static string Of(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            return "(address hidden)";
        bool more = uri.PathAndQuery is not ("" or "/") || uri.Fragment.Length > 0;
        return $"{uri.Scheme}://{uri.Host}{(uri.IsDefaultPort ? "" : $":{uri.Port}")}{(more ? "/…" : "")}";
    }

    /// <summary><paramref name="text"/> with every occurrence of <paramref name="url"/> (and its path) replaced by its redacted form.</summary>
    public static string In(string text, string url)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrEmpty(url))
            return text;
        string redacted = Of(url);
        text = text.Replace(url, redacted, StringComparison.Ordinal);
        return Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.PathAndQuery.Length > 1
            ? text.Replace(uri.PathAndQuery, "/…", StringComparison.Ordinal)
            : text;
    }
}
