using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Configuration;

/// <summary>The root of a gateway configuration: one YAML file plus the files it includes.</summary>
public sealed class GatewayConfig : ConfigNode
{
    /// <summary>Who this gateway is.</summary>
    [RequiredKey, Describe("add a 'gateway:' section with id and site")]
    public GatewayIdentity Gateway { get; init; } = new();

    /// <summary>More files to read (globs relative to this file), each with assets, lines and devices.</summary>
    public IReadOnlyList<string> Include { get; init; } = [];

    /// <summary>Folder of device profiles; default: <c>profiles/</c> beside this file, then the profiles shipped with the gateway.</summary>
    [FilePath]
    public string? ProfilesDirectory { get; init; }

    /// <summary>Logging.</summary>
    public LoggingOptions Logging { get; init; } = new();

    /// <summary>The equipment register.</summary>
    public IReadOnlyList<AssetOptions> Assets { get => _assets; init => _assets = [.. value]; }

    /// <summary>Serial ports and shared TCP endpoints.</summary>
    public IReadOnlyList<LineOptions> Lines { get => _lines; init => _lines = [.. value]; }

    /// <summary>Devices; each entry's <c>kind</c> chooses its options type, so they are bound by the loader.</summary>
    [NotBound]
    public IReadOnlyList<DeviceOptions> Devices { get => _devices; init => _devices = [.. value]; }

    /// <summary>Every file read, the root first.</summary>
    [NotBound]
    public IReadOnlyList<string> Files => _files;

    // The loader merges included files into these; everyone else reads them.
    private List<AssetOptions> _assets = [];
    private List<LineOptions> _lines = [];
    private List<DeviceOptions> _devices = [];
    private readonly List<string> _files = [];

    /// <summary>Adds a file read (the loader, for the root and each include).</summary>
    internal void AddFile(string display) => _files.Add(display);

    /// <summary>Adds the assets and lines of an included file (the loader).</summary>
    internal void AddIncluded(IEnumerable<AssetOptions> assets, IEnumerable<LineOptions> lines)
    {
        _assets.AddRange(assets);
        _lines.AddRange(lines);
    }

    private readonly Dictionary<Type, ConfigNode> _sections = [];
    private readonly Dictionary<string, List<ConfigNode>> _lists = new(StringComparer.Ordinal);

    /// <summary>
    /// The section a part registered as <typeparamref name="T"/> (<c>on_call:</c>, <c>outbox:</c>...): as bound from
    /// the file, or its defaults. Each part reads its own through an extension method of its folder.
    /// </summary>
    public T Section<T>() where T : ConfigNode, new()
    {
        lock (_sections)
        {
            if (!_sections.TryGetValue(typeof(T), out var section))
                _sections[typeof(T)] = section = new T();
            return (T)section;
        }
    }

    /// <summary>Sets a section (the loader, and tests that build a configuration in code).</summary>
    public GatewayConfig With(ConfigNode section)
    {
        ArgumentNullException.ThrowIfNull(section);
        lock (_sections)
            _sections[section.GetType()] = section;
        return this;
    }

    /// <summary>The entries of a registered kinded list (<c>sinks:</c>) that are <typeparamref name="T"/>, in file order.</summary>
    public IReadOnlyList<T> Entries<T>(string key) where T : ConfigNode =>
        _lists.TryGetValue(key, out var entries) ? [.. entries.OfType<T>()] : [];

    /// <summary>Adds an entry to a kinded list (the loader, and tests that build a configuration in code).</summary>
    public GatewayConfig Add(string key, ConfigNode entry)
    {
        if (key == ConfigurationRegistry.DevicesKey)
            _devices.Add((DeviceOptions)entry);
        else if (_lists.TryGetValue(key, out var entries))
            entries.Add(entry);
        else
            _lists[key] = [entry];
        return this;
    }

    private readonly Dictionary<Type, object> _plan = [];

    /// <summary>
    /// What a part resolved from the file while checking it (the alarms' rules, ...), by type: the resolved plan beside
    /// the options as written. Empty until validation resolved it.
    /// </summary>
    public T Plan<T>() where T : class, new()
    {
        lock (_plan)
        {
            if (!_plan.TryGetValue(typeof(T), out var slice))
                _plan[typeof(T)] = slice = new T();
            return (T)slice;
        }
    }

    /// <summary>Stores what a part resolved (its check during validation, or a test that builds a configuration in code).</summary>
    public GatewayConfig SetPlan<T>(T slice) where T : class
    {
        ArgumentNullException.ThrowIfNull(slice);
        lock (_plan)
            _plan[typeof(T)] = slice;
        return this;
    }

    /// <summary>Every entry of every kinded list but devices, by key.</summary>
    internal IEnumerable<KeyValuePair<string, List<ConfigNode>>> Lists => _lists;
}

/// <summary>Identity of the gateway.</summary>
public sealed class GatewayIdentity : ConfigNode
{
    /// <summary>Unique id of this gateway, used in MQTT topics and InfluxDB tags.</summary>
    [RequiredKey, Describe("add 'id:', for example id: plantroom-a")]
    public string Id { get; init; } = "";

    /// <summary>The site (property or estate) this gateway watches.</summary>
    [RequiredKey, Describe("add 'site:', for example site: riverside-court")]
    public string Site { get; init; } = "";

    /// <summary>IANA time zone of the site, for schedules and business days.</summary>
    public string TimeZone { get; init; } = "UTC";

    /// <summary>Where the gateway keeps its state (outbox, counters); a relative path is relative to this file's folder.</summary>
    [FilePath]
    public string DataDirectory { get; internal set; } = "data";

    /// <summary>
    /// Whether readings are marked <c>uncertain_clock_not_synchronised</c> while the system clock is not synchronised (a
    /// board without a real-time clock, before NTP): <c>auto</c> asks the kernel where systemd runs (as timedatectl
    /// does), not in a container (the host keeps its clock); <c>kernel</c> always asks; <c>off</c> never.
    /// </summary>
    public ClockCheck ClockCheck { get; init; } = ClockCheck.Auto;

    /// <summary>
    /// The site's language: the dashboard's when the browser asks for neither English nor Chinese, and the ticket
    /// page's default; <c>en</c> (English) or <c>zh</c> (Simplified Chinese).
    /// </summary>
    public SiteLanguage Language { get; init; } = SiteLanguage.En;
}

/// <summary>The languages the gateway speaks.</summary>
public enum SiteLanguage
{
    /// <summary>English.</summary>
    En,
    /// <summary>Simplified Chinese (简体中文).</summary>
    Zh,
}

/// <summary>When the system clock's synchronisation is checked.</summary>
public enum ClockCheck
{
    /// <summary>Where systemd runs (a device), not in a container.</summary>
    Auto,
    /// <summary>Always: the kernel's synchronisation status (adjtimex).</summary>
    Kernel,
    /// <summary>Never: readings are never marked.</summary>
    Off,
}

/// <summary>Log output.</summary>
public sealed class LoggingOptions : ConfigNode
{
    /// <summary>Least severe level written.</summary>
    public LogLevelName Level { get; init; } = LogLevelName.Information;

    /// <summary>Console format.</summary>
    public LogFormat Console { get; init; } = LogFormat.Text;

    /// <summary>Optional log file (rolled daily, 14 kept); a relative path is relative to this file's folder.</summary>
    [FilePath]
    public string? File { get; init; }

    /// <summary>Format of the log file.</summary>
    public LogFormat FileFormat { get; init; } = LogFormat.Json;
}

/// <summary>Log levels.</summary>
public enum LogLevelName { Verbose, Debug, Information, Warning, Error }

/// <summary>Log formats.</summary>
public enum LogFormat { Text, Json, None }
