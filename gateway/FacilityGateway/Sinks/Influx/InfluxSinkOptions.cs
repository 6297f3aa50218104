using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Sinks.Influx;

/// <summary>Which InfluxDB write API to use.</summary>
public enum InfluxApi
{
    /// <summary><c>/api/v2/write</c> through InfluxDB.Client: InfluxDB 2.x, 3.x, 1.8+ and compatible servers (VictoriaMetrics).</summary>
    V2,
    /// <summary><c>/write</c> with database and retention policy: InfluxDB 1.x (Debian's influxdb is 1.6).</summary>
    V1,
}

/// <summary><c>kind: influxdb</c>: telemetry to InfluxDB as line protocol (docs/INFLUXDB.md).</summary>
public sealed class InfluxSinkOptions : SinkOptions
{
    /// <summary>Server URL, such as http://influx.example.com:8086.</summary>
    [RequiredKey, Describe("add 'url:', for example url: http://localhost:8086")]
    public string Url { get; set; } = "";

    /// <summary>The write API.</summary>
    public InfluxApi Api { get; set; } = InfluxApi.V2;

    /// <summary>v2: API token (${INFLUX_TOKEN} or token_file:).</summary>
    public string? Token { get; set; }

    /// <summary>v2: organisation.</summary>
    public string? Org { get; set; }

    /// <summary>v2: bucket.</summary>
    public string? Bucket { get; set; }

    /// <summary>v1: database.</summary>
    public string? Database { get; set; }

    /// <summary>v1: retention policy (default: the database's).</summary>
    public string? RetentionPolicy { get; set; }

    /// <summary>v1: user name.</summary>
    public string? Username { get; set; }

    /// <summary>v1: password (${INFLUX_PASSWORD} or password_file:).</summary>
    public string? Password { get; set; }

    /// <summary>Measurement name.</summary>
    public string Measurement { get; set; } = "readings";

    /// <summary>Compress request bodies.</summary>
    public bool Gzip { get; set; } = true;

    /// <summary>Timeout of one write.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Outbox records (device polls) per write; each becomes one line.</summary>
    [Range(1, 100_000)]
    public int BatchRecords { get; set; } = 2000;
}
