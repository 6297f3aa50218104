using FacilityGateway.Configuration;
using FacilityGateway.Configuration.Yaml;
using FacilityGateway.Modbus.Codec;
using YamlDotNet.RepresentationModel;

namespace FacilityGateway.Sources.Modbus.Profiles;

/// <summary>A device profile file (<c>config/profiles/NAME.yaml</c>): the register map of one device model.</summary>
public sealed class DeviceProfile : ConfigNode
{
    /// <summary>What the profile describes and where its registers come from.</summary>
    [RequiredKey, Describe("add a 'profile:' section with id, manufacturer, model and source")]
    public ProfileInfo Profile { get; init; } = new();

    /// <summary>Defaults for the points of this profile.</summary>
    public ProfileDefaults Defaults { get; init; } = new();

    /// <summary>The points.</summary>
    public IReadOnlyList<ModbusPointOptions> Points { get; init; } = [];

    /// <summary>
    /// Named commands (<c>start</c>, <c>stop</c>, <c>reset_fault</c>) as writes in order: each step a value for a point
    /// of the profile, then an optional wait. A device runs them only where that point is writable on it (its
    /// <c>write:</c>, with its roles and interlocks).
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<Writes.CommandStepOptions>> Commands { get; init; } = new Dictionary<string, IReadOnlyList<Writes.CommandStepOptions>>();
}

/// <summary>Identity and source document of a profile.</summary>
public sealed class ProfileInfo : ConfigNode
{
    /// <summary>Profile id: the file name without .yaml.</summary>
    [RequiredKey] public string Id { get; init; } = "";
    /// <summary>Manufacturer.</summary>
    [RequiredKey] public string Manufacturer { get; init; } = "";
    /// <summary>Model(s) covered.</summary>
    [RequiredKey] public string Model { get; init; } = "";
    /// <summary>Document and section the registers are taken from.</summary>
    [RequiredKey, Describe("add 'source:' naming the manual and section the registers come from")]
    public string Source { get; init; } = "";
    /// <summary>Notes for installers (wiring, settings on the device, quirks).</summary>
    public string? Notes { get; init; }
    /// <summary>The quiet time this device needs between requests, for the installer to set as min_request_gap on its line.</summary>
    public TimeSpan? MinRequestGap { get; init; }
}

/// <summary>Defaults applied to profile points that do not say otherwise.</summary>
public sealed class ProfileDefaults : ConfigNode
{
    /// <summary>Data type.</summary>
    public ModbusDataType? Type { get; init; }
    /// <summary>Byte order.</summary>
    public ByteOrder? ByteOrder { get; init; }
}

/// <summary>Loads profiles from a folder once each, reporting their own errors at their own lines.</summary>
internal sealed class ProfileCatalog(string directory, ConfigErrors errors, Func<string, string?> environment)
{
    private readonly Dictionary<string, DeviceProfile?> _loaded = new(StringComparer.Ordinal);

    public string Directory => directory;

    public IEnumerable<string> Available =>
        System.IO.Directory.Exists(directory)
            ? System.IO.Directory.EnumerateFiles(directory, "*.yaml").Select(f => Path.GetFileNameWithoutExtension(f)).Order()
            : [];

    /// <summary>The profile, or null when it does not exist (the caller reports that) or has errors (reported here).</summary>
    public DeviceProfile? Find(string id, out bool exists)
    {
        string path = Path.Combine(directory, id + ".yaml");
        exists = File.Exists(path);
        if (!exists)
            return null;
        if (_loaded.TryGetValue(id, out var cached))
            return cached;
        string display = ConfigurationLoader.DisplayPath(path);
        var root = ConfigurationLoader.ReadYaml(path, display, errors);
        DeviceProfile? profile = null;
        if (root is YamlMappingNode mapping)
        {
            var binder = new YamlBinder(errors, display, environment);
            profile = new DeviceProfile();
            binder.Populate(profile, mapping, "");
            if (profile.Profile.Id.Length > 0 && profile.Profile.Id != id)
                errors.Error(profile.Profile.OriginOf("id"), "profile.id", $"profile id '{profile.Profile.Id}' differs from its file name '{id}'", $"write id: {id}");
        }
        _loaded[id] = profile;
        return profile;
    }
}
