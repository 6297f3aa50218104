using FacilityGateway.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Sinks.Mqtt;

/// <summary><c>kind: mqtt</c>.</summary>
internal sealed class MqttSinkKind : ISinkKind
{
    public string Name => "mqtt";

    public SinkOptions CreateOptions() => new MqttSinkOptions();

    public void Validate(SinkOptions options, ValidationContext context)
    {
        var mqtt = (MqttSinkOptions)options;
        foreach (var (key, value) in new[] { ("topic_prefix", mqtt.TopicPrefix), ("home_assistant_prefix", mqtt.HomeAssistantPrefix) })
            if (value.Length == 0 || value.Contains('#', StringComparison.Ordinal) || value.Contains('+', StringComparison.Ordinal) || value.StartsWith('/') || value.EndsWith('/'))
                context.Errors.Error(mqtt.OriginOf(key), mqtt.PathOf(key), $"'{value}' is not a usable topic prefix", "no wildcards (+ #) and no leading or trailing /; for example facility");
        if (mqtt.Password is not null && mqtt.Username is null)
            context.Errors.Error(mqtt.OriginOf("password"), mqtt.PathOf("password"), "a password without a username", "add username:");
        if (mqtt.Tls is { Enabled: true } tls)
        {
            foreach (var (key, file) in new[] { ("ca_file", tls.CaFile), ("client_certificate", tls.ClientCertificate), ("client_key", tls.ClientKey) })
                if (file is not null && !File.Exists(file))
                    context.Errors.Error(tls.OriginOf(key), tls.PathOf(key), $"file '{file}' does not exist", "give the full path of a PEM file the gateway's user can read");
            if ((tls.ClientCertificate is null) != (tls.ClientKey is null) && tls.ClientCertificate is null)
                context.Errors.Error(tls.OriginOf("client_key"), tls.PathOf("client_key"), "a client key without a client certificate", "add client_certificate:");
            else if (!context.Errors.Items.Any(e => e.KeyPath.StartsWith(tls.KeyPath, StringComparison.Ordinal)) && MqttTls.LoadProblem(tls) is { } problem)
                context.Errors.Error(tls.OriginOf(problem.Key), tls.PathOf(problem.Key), problem.Message, "give PEM files: the certificate (-----BEGIN CERTIFICATE-----) and its unencrypted private key");
        }
    }

    public ISink Create(SinkOptions options, SinkContext context, IServiceProvider services) =>
        new MqttSink((MqttSinkOptions)options, context, services.GetRequiredService<ILoggerFactory>().CreateLogger<MqttSink>());
}
