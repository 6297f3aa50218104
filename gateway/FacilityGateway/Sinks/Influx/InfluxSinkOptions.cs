using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Sinks.Influx;

/// <summary>Which InfluxDB write API to use.</summary>
public enum InfluxApi
{
    /// <summary><c>/api/v2/write</c> with a token: InfluxDB 2.x, 3.x, 1.8+ and compatible servers (VictoriaMetrics).</summary>
    V2,
    /// <summary><c>/write</c> with database and retention policy: InfluxDB 1.x (Debian's influxdb is 1.6).</summary>
    V1,
}

/// <summary><c>kind: influxdb</c>: telemetry to InfluxDB as line protocol (docs/INFLUXDB.md).</summary>
public sealed class InfluxSinkOptions : SinkOptions
{
    /// <summary>Server URL, such as http://influx.example.com:8086.</summary>
    [RequiredKey, Describe("add 'url:', for example url: http://localhost:8086")]
    public string Url { get; init; } = "";

    /// <summary>The write API.</summary>
    public InfluxApi Api { get; init; } = InfluxApi.V2;

    /// <summary>v2: API token (${INFLUX_TOKEN} or token_file:).</summary>
    public string? Token { get; init; }

    /// <summary>v2: organisation.</summary>
    public string? Org { get; init; }

    /// <summary>v2: bucket.</summary>
    public string? Bucket { get; init; }

    /// <summary>v1: database.</summary>
    public string? Database { get; init; }

    /// <summary>v1: retention policy (default: the database's).</summary>
    public string? RetentionPolicy { get; init; }

    /// <summary>v1: user name.</summary>
    public string? Username { get; init; }

    /// <summary>v1: password (${INFLUX_PASSWORD} or password_file:).</summary>
    public string? Password { get; init; }

    /// <summary>Measurement name.</summary>
    public string Measurement { get; init; } = "readings";

    /// <summary>Compress request bodies.</summary>
    public bool Gzip { get; init; } = true;

    /// <summary>Timeout of one write.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Outbox records (device polls) per write; each becomes one line.</summary>
    [Range(1, 100_000)]
    public int BatchRecords { get; init; } = 2000;
}
