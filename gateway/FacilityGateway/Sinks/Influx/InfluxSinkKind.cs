using FacilityGateway.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Sinks.Influx;

/// <summary><c>kind: influxdb</c>.</summary>
internal sealed class InfluxSinkKind : ISinkKind
{
    public string Name => "influxdb";

    public SinkOptions CreateOptions() => new InfluxSinkOptions();

    public void Validate(SinkOptions options, ValidationContext context)
    {
        var influx = (InfluxSinkOptions)options;
        var errors = context.Errors;
        if (influx.Url.Length > 0 && (!Uri.TryCreate(influx.Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            errors.Error(influx.OriginOf("url"), influx.PathOf("url"), $"'{influx.Url}' is not an http(s) URL", "for example url: http://localhost:8086");
        if (influx.Api == InfluxApi.V2)
        {
            foreach (var (key, value) in new[] { ("bucket", influx.Bucket), ("org", influx.Org) })
                if (string.IsNullOrEmpty(value))
                    errors.Error(influx.Origin, influx.PathOf(key), $"api v2 needs '{key}:'", "or write api: v1 with database: for InfluxDB 1.x");
        }
        else if (string.IsNullOrEmpty(influx.Database))
        {
            errors.Error(influx.Origin, influx.PathOf("database"), "api v1 needs 'database:'", "or write api: v2 with org: and bucket:");
        }
    }

    public ISink Create(SinkOptions options, SinkContext context, IServiceProvider services) =>
        new InfluxSink((InfluxSinkOptions)options, context, services.GetRequiredService<ILoggerFactory>().CreateLogger<InfluxSink>());
}
