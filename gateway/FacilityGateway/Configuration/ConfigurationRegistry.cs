using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Configuration;

/// <summary>
/// What the parts of the gateway add to the configuration: their sections (<c>on_call:</c>, <c>outbox:</c>, ...), the
/// kinds of the lists whose entries choose their type with <c>kind:</c> (devices, sinks), the keys whose YAML a part
/// binds itself (a point's <c>alarms:</c>), and the checks that span the whole file. Configuration knows the parts only
/// through this: each part fills it from its own folder, and the composition root (<c>Hosting/GatewayParts</c>) asks
/// each part in turn. So a new section, kind or check is a file in its part plus one registration line, and
/// Configuration names no type of any other part.
/// </summary>
public sealed class ConfigurationRegistry
{
    /// <summary>The list of devices (its kinds are the device kinds).</summary>
    public const string DevicesKey = "devices";

    private readonly Dictionary<string, Type> _sections = new(StringComparer.Ordinal);
    private readonly Dictionary<string, KindedList> _lists = new(StringComparer.Ordinal) { [DevicesKey] = new(DevicesKey, "modbus", "Devices; kind chooses the keys (default modbus).") };
    private readonly Dictionary<string, Type> _lateBound = new(StringComparer.Ordinal);
    private readonly List<Action<ValidationContext>> _checks = [];

    /// <summary>A top-level section, bound to <typeparamref name="T"/> (its defaults when the file has none).</summary>
    public ConfigurationRegistry AddSection<T>(string key) where T : ConfigNode, new()
    {
        if (!_sections.TryAdd(key, typeof(T)) || _lists.ContainsKey(key))
            throw new InvalidOperationException($"The configuration key '{key}' is registered twice.");
        return this;
    }

    /// <summary>A top-level list whose entries choose their options type with <c>kind:</c> (no default kind).</summary>
    public ConfigurationRegistry AddList(string key, string description)
    {
        if (_sections.ContainsKey(key) || !_lists.TryAdd(key, new KindedList(key, null, description)))
            throw new InvalidOperationException($"The configuration key '{key}' is registered twice.");
        return this;
    }

    /// <summary>A kind of device (<c>devices:</c>).</summary>
    public ConfigurationRegistry AddDeviceKind(IDeviceKind kind) => AddKind(DevicesKey, kind);

    /// <summary>A kind of entry of the list <paramref name="list"/>.</summary>
    public ConfigurationRegistry AddKind(string list, IConfigKind kind)
    {
        if (!_lists.TryGetValue(list, out var entries))
            throw new InvalidOperationException($"No list '{list}' is registered.");
        if (!entries.Kinds.TryAdd(kind.Name, kind))
            throw new InvalidOperationException($"The kind '{kind.Name}' of '{list}' is registered twice.");
        return this;
    }

    /// <summary>A key (anywhere) whose YAML stays raw for a part to bind itself; the schema lists <paramref name="itemType"/> under it.</summary>
    public ConfigurationRegistry AddLateBoundList(string key, Type itemType)
    {
        _lateBound[key] = itemType;
        return this;
    }

    /// <summary>A check of the whole configuration, run after every section, list entry and kind was checked.</summary>
    public ConfigurationRegistry AddCheck(Action<ValidationContext> check)
    {
        _checks.Add(check);
        return this;
    }

    /// <summary>The sections by key.</summary>
    public IReadOnlyDictionary<string, Type> Sections => _sections;

    /// <summary>The kinded lists by key, devices first.</summary>
    public IReadOnlyDictionary<string, KindedList> Lists => _lists;

    /// <summary>The raw keys and the type of their items.</summary>
    public IReadOnlyDictionary<string, Type> LateBound => _lateBound;

    /// <summary>The whole-configuration checks in registration order.</summary>
    public IReadOnlyList<Action<ValidationContext>> Checks => _checks;

    /// <summary>The kind <paramref name="name"/> of <paramref name="list"/>.</summary>
    public IConfigKind Kind(string list, string name) => _lists[list].Kinds[name];

    /// <summary>The device kinds by name.</summary>
    public IReadOnlyDictionary<string, IConfigKind> DeviceKinds => _lists[DevicesKey].Kinds;
}

/// <summary>A list of entries that choose their options type with <c>kind:</c>.</summary>
public sealed class KindedList(string key, string? defaultKind, string description)
{
    /// <summary>The key in YAML.</summary>
    public string Key { get; } = key;
    /// <summary>The kind of an entry without <c>kind:</c>, or null when it must be written.</summary>
    public string? DefaultKind { get; } = defaultKind;
    /// <summary>A line for the schema.</summary>
    public string Description { get; } = description;
    /// <summary>The kinds by name, in registration order.</summary>
    public Dictionary<string, IConfigKind> Kinds { get; } = new(StringComparer.Ordinal);
}

/// <summary>A kind of list entry: its options type and its checks (without I/O).</summary>
public interface IConfigKind
{
    /// <summary>The value of <c>kind:</c>.</summary>
    string Name { get; }

    /// <summary>A new, empty options object of this kind, for the binder.</summary>
    ConfigNode NewOptions();

    /// <summary>Checks one entry of this kind against the rest of the configuration.</summary>
    void Check(ConfigNode options, ValidationContext context);
}

/// <summary>An entry of a kinded list: its id (unique in the list) and its kind.</summary>
public interface IListEntry
{
    /// <summary>Unique id in its list.</summary>
    string Id { get; }

    /// <summary>The value of <c>kind:</c>.</summary>
    string Kind { get; }
}
