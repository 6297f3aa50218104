using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using FacilityGateway.Configuration.Yaml;
using YamlDotNet.RepresentationModel;

namespace FacilityGateway.Configuration.Schema;

/// <summary>
/// The JSON Schema of the configuration, generated from the same classes the loader binds, so the two cannot drift
/// apart. <c>config/schema/facility-gateway.schema.json</c> is its output (<c>facility-gateway schema</c>), and a test
/// keeps that file current. Editors with the YAML language server use it for completion and underlining.
/// </summary>
public static class ConfigurationSchema
{
    /// <summary>The schema of a root configuration file with the sections and kinds of <paramref name="registry"/>.</summary>
    public static JsonObject Root(ConfigurationRegistry registry) => Generate(typeof(GatewayConfig), "FacilityGateway configuration", registry, root: true);

    /// <summary>The schema of another file bound to <paramref name="type"/> (a device profile).</summary>
    public static JsonObject Of(Type type, string title, ConfigurationRegistry registry) => Generate(type, title, registry, root: false);

    /// <summary>Indented JSON text.</summary>
    public static string ToText(JsonObject schema) => schema.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";

    private static JsonObject Generate(Type type, string title, ConfigurationRegistry registry, bool root)
    {
        var definitions = new JsonObject();
        var generator = new Generator(registry);
        var schema = generator.ObjectSchema(type, definitions);
        if (root)
        {
            var properties = (JsonObject)schema["properties"]!;
            foreach (var (key, sectionType) in registry.Sections)
                properties[key] = generator.ValueSchema(sectionType, definitions);
            foreach (var list in registry.Lists.Values)
                properties[list.Key] = new JsonObject
                {
                    ["type"] = "array",
                    ["description"] = list.Description,
                    ["items"] = new JsonObject { ["anyOf"] = new JsonArray([.. list.Kinds.Values.Select(k => (JsonNode)generator.Reference(k.NewOptions().GetType(), definitions))]) },
                };
            schema["properties"] = new JsonObject(properties.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
        }
        var result = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["title"] = title,
        };
        foreach (var (key, value) in schema)
            result[key] = value?.DeepClone();
        result["$defs"] = definitions;
        return result;
    }

    /// <summary>Schemas of the bound types, with the registry's raw keys and kinds.</summary>
    private sealed class Generator(ConfigurationRegistry registry)
    {
        public JsonObject Reference(Type type, JsonObject definitions)
        {
            if (!definitions.ContainsKey(type.Name))
            {
                definitions[type.Name] = new JsonObject(); // placeholder against recursion
                definitions[type.Name] = ObjectSchema(type, definitions);
            }
            return new JsonObject { ["$ref"] = $"#/$defs/{type.Name}" };
        }

        public JsonObject ObjectSchema(Type type, JsonObject definitions)
        {
            var properties = new JsonObject();
            var required = new JsonArray();
            foreach (var (name, property) in YamlBinder.BindableProperties(type).OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var schema = property.PropertyType == typeof(YamlNode) && registry.LateBound.TryGetValue(name, out var itemType)
                    ? new JsonObject { ["type"] = "array", ["items"] = Reference(itemType, definitions) }
                    : ValueSchema(property.PropertyType, definitions);
                if (property.GetCustomAttribute<DescribeAttribute>() is { } describe)
                    schema["description"] = describe.Text;
                if (property.GetCustomAttribute<Yaml.RangeAttribute>() is { } range && schema["anyOf"] is JsonArray options && options[0] is JsonObject number)
                {
                    number["minimum"] = range.Minimum;
                    number["maximum"] = range.Maximum;
                }
                if (name == "kind" && typeof(IListEntry).IsAssignableFrom(type) && !type.IsAbstract
                    && registry.Lists.Values.SelectMany(l => l.Kinds.Values).FirstOrDefault(k => k.NewOptions().GetType() == type) is { } kind)
                    schema = new JsonObject { ["const"] = kind.Name };
                properties[name] = schema;
                if (property.PropertyType == typeof(string) && name != "kind")
                    properties[name + "_file"] = new JsonObject { ["type"] = "string", ["description"] = $"A file whose content is the value of {name} (for secrets)." };
                if (property.GetCustomAttribute<RequiredKeyAttribute>() is not null)
                    required.Add((JsonNode)name);
            }
            var result = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = properties,
                ["additionalProperties"] = false,
            };
            if (required.Count > 0)
                result["required"] = required;
            return result;
        }

        public JsonObject ValueSchema(Type type, JsonObject definitions)
        {
            var t = Nullable.GetUnderlyingType(type) ?? type;
            if (t == typeof(YamlNode))
                return new JsonObject { ["description"] = "Reserved; bound by a later stage." };
            if (typeof(ConfigNode).IsAssignableFrom(t))
                return Reference(t, definitions);
            if (CollectionTypes.IsList(t, out var item))
                return new JsonObject { ["type"] = "array", ["items"] = ValueSchema(item, definitions) };
            if (CollectionTypes.IsMap(t, out var value))
                return new JsonObject { ["type"] = "object", ["additionalProperties"] = ValueSchema(value, definitions) };
            JsonObject scalar;
            if (t == typeof(string))
                return new JsonObject { ["type"] = "string" };
            if (t == typeof(bool))
                scalar = new JsonObject { ["type"] = "boolean" };
            else if (t == typeof(int) || t == typeof(long) || t == typeof(byte) || t == typeof(ushort))
                scalar = new JsonObject { ["type"] = "integer", ["minimum"] = t == typeof(byte) || t == typeof(ushort) ? 0 : null, ["maximum"] = t == typeof(byte) ? 255 : t == typeof(ushort) ? 65535 : null };
            else if (t == typeof(double))
                scalar = new JsonObject { ["type"] = "number" };
            else if (t == typeof(TimeSpan))
                return new JsonObject { ["type"] = "string", ["pattern"] = @"^(\d+(\.\d+)?(us|ms|s|m|min|h|d|w)|\$\{.+\})$", ["description"] = "A duration such as 500ms, 1s, 5m, 1h, 7d." };
            else if (t == typeof(DateOnly))
                return new JsonObject { ["type"] = "string", ["pattern"] = @"^\d{4}-\d{2}-\d{2}$" };
            else if (t == typeof(TimeOnly))
                return new JsonObject { ["type"] = "string", ["pattern"] = @"^\d{2}:\d{2}(:\d{2})?$" };
            else if (t.IsEnum)
                // The binder ignores case: offer the canonical spelling first, then the type's own (P1, V2, Int16 ...).
                scalar = new JsonObject { ["enum"] = new JsonArray([.. YamlBinder.EnumNames(t).Select(n => n.Key).Concat(YamlBinder.EnumNames(t).Select(n => Enum.GetName(t, n.Value)!)).Distinct().Select(n => (JsonNode)n)]) };
            else
                throw new NotSupportedException($"No schema for {t}.");
            foreach (var key in scalar.Where(p => p.Value is null).Select(p => p.Key).ToList())
                scalar.Remove(key);
            // Any scalar may come from the environment: ${NAME}.
            return new JsonObject { ["anyOf"] = new JsonArray(scalar, new JsonObject { ["type"] = "string", ["pattern"] = @"\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}" }) };
        }
    }
}
