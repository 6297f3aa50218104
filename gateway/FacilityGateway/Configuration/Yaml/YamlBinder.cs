using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace FacilityGateway.Configuration.Yaml;

/// <summary>
/// Binds YAML nodes onto configuration classes by their snake_case property names, collecting every mistake with its
/// file, line and column instead of stopping at the first. Unknown keys are errors with a "did you mean" hint; scalars
/// may use <c>${ENV_VAR}</c> (or <c>${ENV_VAR:-default}</c>), replaced from the environment.
/// Supports strings, numbers, booleans, durations (<c>500ms</c>), dates, enums, lists, string-keyed maps and nested
/// <see cref="ConfigNode"/> classes.
/// </summary>
internal sealed partial class YamlBinder(ConfigErrors errors, string file, Func<string, string?> environment)
{
    /// <summary>
    /// Why the binder's reflection is safe in a trimmed (Native AOT) build: the configuration types are the gateway's
    /// own, and its assemblies are trimmer roots (FacilityGateway.csproj), so every one keeps its constructor,
    /// properties, attributes and enum fields. The shipped build's test checks every example configuration with it.
    /// </summary>
    internal const string RootedTypes = "Configuration types are the gateway's own; its assemblies are trimmer roots (FacilityGateway.csproj).";

    public ConfigErrors Errors => errors;
    public string File => file;

    public SourceLocation LocationOf(YamlNode node) => new(file, (int)node.Start.Line, (int)node.Start.Column);

    /// <summary>Binds a mapping onto a new <typeparamref name="T"/>; null (with errors) when the node is not a mapping.</summary>
    public T? Bind<T>(YamlNode node, string path) where T : ConfigNode, new() => Guarded(() => (T?)BindObject(node, typeof(T), path));

    /// <summary>Binds a mapping onto an existing node, for example after its type was chosen from a <c>kind</c> key.</summary>
    public void Populate(ConfigNode target, YamlMappingNode mapping, string path, params string[] ignoredKeys) =>
        Guarded(() => PopulateUnguarded(target, mapping, path, ignoredKeys));

    private bool PopulateUnguarded(ConfigNode target, YamlMappingNode mapping, string path, string[] ignoredKeys)
    {
        target.Origin = LocationOf(mapping);
        target.KeyPath = path;
        var properties = BindableProperties(target.GetType());
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            string key = Shared(((keyNode as YamlScalarNode)?.Value ?? "").Trim());
            var keyLocation = LocationOf(keyNode);
            if (ignoredKeys.Contains(key))
            {
                target.KeyLocations[key] = keyLocation;
                continue;
            }
            if (key.EndsWith("_file", StringComparison.Ordinal) && properties.TryGetValue(key[..^5], out var secret) && secret.PropertyType == typeof(string))
            {
                // password_file: /run/secrets/x puts the file's content into password, so secrets stay out of the YAML.
                string baseKey = key[..^5];
                if (target.KeyLocations.ContainsKey(baseKey))
                {
                    errors.Error(keyLocation, Join(path, key), $"both '{baseKey}' and '{key}' are given", "keep one of them");
                    continue;
                }
                target.KeyLocations[baseKey] = keyLocation;
                if (BindValue(valueNode, typeof(string), Join(path, key)) is string secretPath && ReadSecret(secretPath, LocationOf(valueNode), Join(path, key)) is { } content)
                    secret.SetValue(target, content);
                continue;
            }
            if (!properties.TryGetValue(key, out var property))
            {
                var allowed = properties.Keys.Concat(ignoredKeys).Order(StringComparer.Ordinal).ToList();
                string? suggestion = Names.Suggest(key, allowed);
                errors.Error(keyLocation, Join(path, key), $"unknown key '{key}'",
                    suggestion is not null ? $"did you mean '{suggestion}'?" : $"allowed keys here: {string.Join(", ", allowed)}");
                continue;
            }
            if (target.KeyLocations.ContainsKey(key))
            {
                errors.Error(keyLocation, Join(path, key), $"'{key}' is written twice", "keep one of them");
                continue;
            }
            target.KeyLocations[key] = keyLocation;
            object? value = BindValue(valueNode, property.PropertyType, Join(path, key));
            if (value is null)
                continue;
            if (property.GetCustomAttribute<RangeAttribute>() is { } range && value is IConvertible number && value is not string and not bool and not Enum)
            {
                double d = number.ToDouble(CultureInfo.InvariantCulture);
                if (d < range.Minimum || d > range.Maximum)
                {
                    errors.Error(LocationOf(valueNode), Join(path, key), $"{d.ToString(CultureInfo.InvariantCulture)} is out of range",
                        $"use a value from {range.Minimum.ToString(CultureInfo.InvariantCulture)} to {range.Maximum.ToString(CultureInfo.InvariantCulture)}");
                    continue;
                }
            }
            if (value is string written && property.GetCustomAttribute<FilePathAttribute>() is not null)
                value = RelativeToThisFile(written);
            property.SetValue(target, value);
        }
        foreach (var (key, property) in properties)
            if (property.GetCustomAttribute<RequiredKeyAttribute>() is not null && !target.KeyLocations.ContainsKey(key))
                errors.Error(target.Origin, path, $"missing required key '{key}'", Describe(property));
        target.KeyLocations.Trim();
        return true;
    }

    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);

    /// <summary>
    /// One instance of each key and short text of this file (the parser makes a new string for every scalar): a site's
    /// 100,000 points keep their "id", "unit" and "kW" once, not 100,000 times each. The pool lives as long as the load.
    /// </summary>
    private string Shared(string text)
    {
        if (text.Length > 32)
            return text;
        if (_strings.TryGetValue(text, out var shared))
            return shared;
        _strings[text] = text;
        return text;
    }

    /// <summary>
    /// Values one file may bind to at least; beyond it, one per byte of the file's text (<see cref="SourceBytes"/>).
    /// Written out, every value takes a byte or more, so a real file never reaches the limit (a site of 100 devices x
    /// 1,000 points binds 600,000 values from 6 MB); anchors and aliases used over and over make a small file expand
    /// without end, and stop at it.
    /// </summary>
    public const int MinValueLimit = 200_000;

    /// <summary>The size of the file's text, when known: it raises the limit on values to one per byte.</summary>
    public long SourceBytes { get; init; }

    private long Limit => Math.Max(MinValueLimit, SourceBytes);

    private long _values;
    private int _depth;

    /// <summary>Thrown past the limit, once the one finding is recorded: binding the rest would only add noise.</summary>
    private sealed class ValueLimitExceededException : Exception;

    /// <summary>Runs a bind; past the value limit, the outermost bind returns nothing, with the one finding.</summary>
    private T? Guarded<T>(Func<T?> bind)
    {
        int depth = ++_depth; // a local: exception filters run before the inner binds' finally blocks
        try
        {
            return bind();
        }
        catch (ValueLimitExceededException) when (depth == 1)
        {
            return default;
        }
        finally
        {
            _depth--;
        }
    }

    public object? BindValue(YamlNode node, Type type, string path) => Guarded(() => BindValueUnguarded(node, type, path));

    private object? BindValueUnguarded(YamlNode node, Type type, string path)
    {
        if (++_values > Limit)
        {
            errors.BindingStopped = true;
            if (_values == Limit + 1)
                errors.Error(LocationOf(node), path, $"this file expands to more than {Limit:N0} values, more than one per byte of its text: anchors and aliases used over and over",
                    "write each device out, or use include: with one file per device");
            throw new ValueLimitExceededException();
        }
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying == typeof(YamlNode))
            return node; // kept raw for a later stage to bind
        if (typeof(ConfigNode).IsAssignableFrom(underlying))
            return BindObject(node, underlying, path);
        if (CollectionTypes.IsList(underlying, out var itemType))
            return BindList(node, itemType, path);
        if (CollectionTypes.IsMap(underlying, out var valueType))
            return BindMap(node, valueType, path);
        if (node is not YamlScalarNode scalar)
        {
            errors.Error(LocationOf(node), path, $"expected {Expected(underlying)}, found a {(node is YamlMappingNode ? "mapping" : "list")}");
            return null;
        }
        string? text = Substitute(scalar, path);
        if (text is null)
            return null;
        return ParseScalar(text, underlying, LocationOf(node), path, scalar.Style);
    }

    [UnconditionalSuppressMessage("Trimming", "IL2067", Justification = RootedTypes)]
    private ConfigNode? BindObject(YamlNode node, Type type, string path)
    {
        if (node is not YamlMappingNode mapping)
        {
            errors.Error(LocationOf(node), path, $"expected a mapping of keys ({string.Join(", ", BindableProperties(type).Keys.Take(6))}, ...), found {Shape(node)}");
            return null;
        }
        var target = (ConfigNode)Activator.CreateInstance(type)!;
        Populate(target, mapping, path);
        return target;
    }

    private IList? BindList(YamlNode node, Type itemType, string path)
    {
        var list = CollectionTypes.NewList(itemType);
        if (node is YamlScalarNode { Value: "" or null, Style: not YamlDotNet.Core.ScalarStyle.SingleQuoted and not YamlDotNet.Core.ScalarStyle.DoubleQuoted })
            return list; // "key:" with nothing after it: an empty list
        if (node is not YamlSequenceNode sequence)
        {
            errors.Error(LocationOf(node), path, $"expected a list (items starting with '- '), found {Shape(node)}");
            return null;
        }
        int i = 0;
        foreach (var child in sequence.Children)
        {
            object? item = BindValue(child, itemType, $"{path}[{i++}]");
            if (item is not null)
                list.Add(item);
        }
        return list;
    }

    private IDictionary? BindMap(YamlNode node, Type valueType, string path)
    {
        var map = CollectionTypes.NewMap(valueType);
        if (node is not YamlMappingNode mapping)
        {
            errors.Error(LocationOf(node), path, $"expected a mapping, found {Shape(node)}");
            return null;
        }
        foreach (var (key, value) in mapping.Children)
        {
            string name = (key as YamlScalarNode)?.Value ?? "";
            object? item = BindValue(value, valueType, Join(path, name));
            if (item is not null)
                map[name] = item;
        }
        return map;
    }

    private object? ParseScalar(string text, Type type, SourceLocation location, string path, YamlDotNet.Core.ScalarStyle style)
    {
        var ci = CultureInfo.InvariantCulture;
        bool quoted = style is YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted;
        if (type == typeof(string))
            return text.Length == 0 && !quoted ? null : Shared(text);
        object? parsed = type switch
        {
            _ when type == typeof(bool) => text.ToLowerInvariant() switch
            {
                "true" or "yes" or "on" => true,
                "false" or "no" or "off" => false,
                _ => null,
            },
            _ when type == typeof(int) => TryInteger(text, out long l) && l is >= int.MinValue and <= int.MaxValue ? (int)l : null,
            _ when type == typeof(long) => TryInteger(text, out long l) ? l : null,
            _ when type == typeof(byte) => TryInteger(text, out long l) && l is >= 0 and <= 255 ? (byte)l : null,
            _ when type == typeof(ushort) => TryInteger(text, out long l) && l is >= 0 and <= 65535 ? (ushort)l : null,
            _ when type == typeof(double) => double.TryParse(text, NumberStyles.Float, ci, out double d) ? d : null,
            _ when type == typeof(DateOnly) => DateOnly.TryParseExact(text, "yyyy-MM-dd", ci, DateTimeStyles.None, out var date) ? date : null,
            _ when type == typeof(TimeOnly) => TimeOnly.TryParseExact(text, ["HH:mm", "HH:mm:ss"], ci, DateTimeStyles.None, out var time) ? time : null,
            _ when type == typeof(TimeSpan) => ParseDuration(text, location, path),
            _ when type.IsEnum => ParseEnum(text, type, location, path),
            _ => throw new NotSupportedException($"Configuration type {type} is not supported by the binder."),
        };
        if (parsed is not null || type == typeof(TimeSpan) || type.IsEnum)
            return parsed; // durations and enums report their own, more specific, errors
        errors.Error(location, path, $"'{text}' is not {Expected(type)}");
        return null;
    }

    /// <summary>A path as written in this file, made absolute against the file's folder.</summary>
    private string RelativeToThisFile(string written) =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file)) ?? "", written));

    private string? ReadSecret(string secretPath, SourceLocation location, string path)
    {
        string full = RelativeToThisFile(secretPath);
        try
        {
            return System.IO.File.ReadAllText(full).TrimEnd('\r', '\n');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Error(location, path, $"cannot read the secret file {secretPath}: {ex.Message}", "check the path and that the gateway's user may read it");
            return null;
        }
    }

    private TimeSpan? ParseDuration(string text, SourceLocation location, string path)
    {
        if (Durations.TryParse(text, out var span, out string why))
            return span;
        errors.Error(location, path, why);
        return null;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = RootedTypes)]
    private object? ParseEnum(string text, Type type, SourceLocation location, string path)
    {
        var match = EnumNames(type).FirstOrDefault(n => string.Equals(n.Key, text.Replace('-', '_'), StringComparison.OrdinalIgnoreCase));
        if (match.Key is not null)
            return match.Value;
        string? suggestion = Names.Suggest(text, EnumNames(type).Select(n => n.Key));
        var hidden = Enum.GetNames(type).FirstOrDefault(n => string.Equals(Names.SnakeCase(n), text.Replace('-', '_'), StringComparison.OrdinalIgnoreCase));
        string? hint = hidden is null ? null : type.GetField(hidden)!.GetCustomAttribute<DescribeAttribute>()?.Text;
        errors.Error(location, path, $"'{text}' is not one of {string.Join(", ", EnumNames(type).Select(n => n.Key))}",
            hint ?? (suggestion is null ? null : $"did you mean '{suggestion}'?"));
        return null;
    }

    private static bool TryInteger(string text, out long value) =>
        text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? long.TryParse(text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out value)
            : long.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")]
    private static partial Regex EnvironmentReference();

    /// <summary>Replaces <c>${NAME}</c> references; a missing variable without a default is an error.</summary>
    private string? Substitute(YamlScalarNode scalar, string path)
    {
        string text = scalar.Value ?? "";
        if (!text.Contains("${", StringComparison.Ordinal))
            return text;
        bool ok = true;
        string result = EnvironmentReference().Replace(text, m =>
        {
            string? value = environment(m.Groups[1].Value);
            if (value is not null)
                return value;
            if (m.Groups[2].Success)
                return m.Groups[2].Value;
            ok = false;
            errors.Error(LocationOf(scalar), path, $"environment variable {m.Groups[1].Value} is not set",
                $"set it for the service (systemd Environment= or EnvironmentFile=), or write ${{{m.Groups[1].Value}:-default}}");
            return "";
        });
        return ok ? result : null;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = RootedTypes)]
    internal static Dictionary<string, PropertyInfo> BindableProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.GetCustomAttribute<NotBoundAttribute>() is null)
            .ToDictionary(p => Names.SnakeCase(p.Name), StringComparer.Ordinal);

    // From the enum's fields, not Enum.GetValues(Type): that makes an array of the enum type, which a Native AOT
    // build may not have.
    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = RootedTypes)]
    internal static IEnumerable<KeyValuePair<string, object>> EnumNames(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.GetCustomAttribute<NotBoundAttribute>() is null)
            .Select(f => f.GetValue(null)!)
            .Select(v => new KeyValuePair<string, object>(EnumName(type, v), v));

    internal static string EnumName(Type type, object value)
    {
        string name = Enum.GetName(type, value)!;
        return name.All(char.IsUpper) ? name : Names.SnakeCase(name.Replace("UInt", "Uint", StringComparison.Ordinal));
    }

    private static string Describe(PropertyInfo property) =>
        property.GetCustomAttribute<DescribeAttribute>()?.Text ?? $"add '{Names.SnakeCase(property.Name)}:'";

    private static string Expected(Type type) =>
        type == typeof(bool) ? "true or false"
        : type == typeof(byte) ? "a whole number from 0 to 255"
        : type == typeof(ushort) ? "a whole number from 0 to 65535"
        : type == typeof(int) || type == typeof(long) ? "a whole number"
        : type == typeof(double) ? "a number"
        : type == typeof(DateOnly) ? "a date written YYYY-MM-DD"
        : type == typeof(TimeOnly) ? "a time of day written HH:MM"
        : type == typeof(TimeSpan) ? "a duration such as 500ms, 1s or 5m"
        : type.IsEnum ? $"one of {string.Join(", ", EnumNames(type).Select(n => n.Key))}"
        : "a value";

    private static string Shape(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s => $"'{s.Value}'",
        _ => "something else",
    };

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";
}
