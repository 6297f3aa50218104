using FacilityGateway.Configuration;
using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Sinks;

/// <summary>What every sink has. A kind (mqtt, influxdb) derives its options from this and registers in <see cref="SinkKinds"/>.</summary>
public abstract class SinkOptions : ConfigNode, IListEntry
{
    /// <summary>Unique id; also the name of the sink's cursor in the outbox.</summary>
    [RequiredKey, Describe("add 'id:', for example id: site-broker")]
    public string Id { get; init; } = "";

    /// <summary>The kind of sink.</summary>
    [RequiredKey, Describe("add 'kind:' (mqtt or influxdb)")]
    public string Kind { get; init; } = "";

    /// <summary>False to keep it configured but not deliver (its cursor stays, so nothing is lost).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Longest wait between two delivery attempts while the peer is down.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>A kind of sink: its options type, its checks, and how to create it.</summary>
public interface ISinkKind : IConfigKind
{
    /// <summary>A new, empty options object of this kind.</summary>
    SinkOptions CreateOptions();

    /// <summary>Checks the options without I/O.</summary>
    void Validate(SinkOptions options, ValidationContext context);

    /// <summary>Creates the sink.</summary>
    ISink Create(SinkOptions options, SinkContext context, IServiceProvider services);

    ConfigNode IConfigKind.NewOptions() => CreateOptions();

    void IConfigKind.Check(ConfigNode options, ValidationContext context) => Validate((SinkOptions)options, context);
}

