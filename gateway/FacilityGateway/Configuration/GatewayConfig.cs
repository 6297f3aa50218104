using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Configuration;

/// <summary>The root of a gateway configuration: one YAML file plus the files it includes.</summary>
public sealed class GatewayConfig : ConfigNode
{
    /// <summary>Who this gateway is.</summary>
    [RequiredKey, Describe("add a 'gateway:' section with id and site")]
    public GatewayIdentity Gateway { get; set; } = new();

    /// <summary>More files to read (globs relative to this file), each with assets, lines and devices.</summary>
    public List<string> Include { get; set; } = [];

    /// <summary>Folder of device profiles; default: <c>profiles/</c> beside this file, then the profiles shipped with the gateway.</summary>
    [FilePath]
    public string? ProfilesDirectory { get; set; }

    /// <summary>Logging.</summary>
    public LoggingOptions Logging { get; set; } = new();

    /// <summary>The equipment register.</summary>
    public List<AssetOptions> Assets { get; set; } = [];

    /// <summary>Serial ports and shared TCP endpoints.</summary>
    public List<LineOptions> Lines { get; set; } = [];

    /// <summary>Devices; each entry's <c>kind</c> chooses its options type, so they are bound by the loader.</summary>
    [NotBound]
    public List<DeviceOptions> Devices { get; set; } = [];

    /// <summary>The on-call rota and escalation.</summary>
    public Tickets.OnCallOptions OnCall { get; set; } = new();

    /// <summary>The live dashboard (off unless enabled).</summary>
    public Dashboard.DashboardOptions Dashboard { get; set; } = new();

    /// <summary>The durable outbox.</summary>
    public Outbox.OutboxOptions Outbox { get; set; } = new();

    /// <summary>Where telemetry goes; each entry's <c>kind</c> chooses its options type.</summary>
    [NotBound]
    public List<Sinks.SinkOptions> Sinks { get; set; } = [];

    /// <summary>Every file read, the root first.</summary>
    [NotBound]
    public List<string> Files { get; set; } = [];
}

/// <summary>Identity of the gateway.</summary>
public sealed class GatewayIdentity : ConfigNode
{
    /// <summary>Unique id of this gateway, used in MQTT topics and InfluxDB tags.</summary>
    [RequiredKey, Describe("add 'id:', for example id: plantroom-a")]
    public string Id { get; set; } = "";

    /// <summary>The site (property or estate) this gateway watches.</summary>
    [RequiredKey, Describe("add 'site:', for example site: riverside-court")]
    public string Site { get; set; } = "";

    /// <summary>IANA time zone of the site, for schedules and business days.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>Where the gateway keeps its state (outbox, counters); a relative path is relative to this file's folder.</summary>
    [FilePath]
    public string DataDirectory { get; set; } = "data";
}

/// <summary>Log output.</summary>
public sealed class LoggingOptions : ConfigNode
{
    /// <summary>Least severe level written.</summary>
    public LogLevelName Level { get; set; } = LogLevelName.Information;

    /// <summary>Console format.</summary>
    public LogFormat Console { get; set; } = LogFormat.Text;

    /// <summary>Optional log file (rolled daily, 14 kept); a relative path is relative to this file's folder.</summary>
    [FilePath]
    public string? File { get; set; }

    /// <summary>Format of the log file.</summary>
    public LogFormat FileFormat { get; set; } = LogFormat.Json;
}

/// <summary>Log levels.</summary>
public enum LogLevelName { Verbose, Debug, Information, Warning, Error }

/// <summary>Log formats.</summary>
public enum LogFormat { Text, Json, None }
