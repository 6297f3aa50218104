namespace FacilityGateway.Configuration.Yaml;

/// <summary>
/// Base of every configuration class bound from YAML: remembers where the mapping and each of its keys were written,
/// so later checks can point an installer at the exact line.
/// </summary>
public abstract class ConfigNode
{
    internal SourceLocation Origin { get; set; } = SourceLocation.None;
    internal string KeyPath { get; set; } = "";
    internal KeyLocations KeyLocations { get; } = new();

    /// <summary>Where <paramref name="key"/> (its snake_case name) was written, or the mapping itself.</summary>
    internal SourceLocation OriginOf(string key) => KeyLocations.TryGetValue(key, out var location) ? location : Origin;

    /// <summary>The key path of <paramref name="key"/> below this node, such as <c>devices[2].unit</c>.</summary>
    internal string PathOf(string key) => KeyPath.Length == 0 ? key : $"{KeyPath}.{key}";

    /// <summary>True when <paramref name="key"/> was written in the YAML.</summary>
    internal bool Has(string key) => KeyLocations.ContainsKey(key);
}

/// <summary>Marks a property that must be written.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RequiredKeyAttribute : Attribute;

/// <summary>The inclusive range of a number property.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RangeAttribute(double minimum, double maximum) : Attribute
{
    /// <summary>Smallest allowed value.</summary>
    public double Minimum { get; } = minimum;
    /// <summary>Largest allowed value.</summary>
    public double Maximum { get; } = maximum;
}

/// <summary>
/// A path written in YAML: the binder makes it absolute against the folder of the file it is written in (as includes
/// and secret files are), never against the working directory.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class FilePathAttribute : Attribute;

/// <summary>A property the binder leaves alone (bound by hand, or computed), or an enum value YAML cannot name.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class NotBoundAttribute : Attribute;

/// <summary>A one-line description used by the JSON Schema and the docs; on a hidden enum value, the hint for who writes it.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class DescribeAttribute(string text) : Attribute
{
    /// <summary>The description.</summary>
    public string Text { get; } = text;
}
