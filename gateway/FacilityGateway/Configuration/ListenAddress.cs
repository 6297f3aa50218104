using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Configuration;

/// <summary>The check of a <c>listen: host:port</c> key, shared by every section that serves HTTP.</summary>
public static class ListenAddress
{
    /// <summary>Reports <paramref name="value"/> of <paramref name="key"/> in <paramref name="node"/> unless it is host:port.</summary>
    public static void Check(ValidationContext context, ConfigNode node, string key, string value, string example)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(value);
        int colon = value.LastIndexOf(':');
        if (colon <= 0 || !ushort.TryParse(value[(colon + 1)..], out _))
            context.Errors.Error(node.OriginOf(key), node.PathOf(key), $"'{value}' is not host:port",
                $"for example {key}: 0.0.0.0:{example[(example.LastIndexOf(':') + 1)..]} (the building's network) or {example} (this machine only)");
    }
}
