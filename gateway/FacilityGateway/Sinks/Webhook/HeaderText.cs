using System.Text;

namespace FacilityGateway.Sinks.Webhook;

/// <summary>
/// Text for an HTTP header: HTTP headers are ASCII (.NET refuses anything else), so a value with any other character, a
/// Chinese building name or an emoji, goes as an RFC 2047 encoded word (<c>=?UTF-8?B?…?=</c>), which ntfy decodes
/// (2.4 and later) and any receiver can. ASCII values go as they are; control characters are replaced by spaces.
/// </summary>
internal static class HeaderText
{
    public static string Encode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        bool ascii = true;
        foreach (char c in value)
            ascii &= c is >= ' ' and <= '~';
        if (ascii && !value.Contains("=?", StringComparison.Ordinal))
            return value;
        var clean = new StringBuilder(value.Length);
        foreach (char c in value)
            clean.Append(char.IsControl(c) ? ' ' : c);
        return $"=?UTF-8?B?{Convert.ToBase64String(Encoding.UTF8.GetBytes(clean.ToString()))}?=";
    }
}
