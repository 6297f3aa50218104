using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace FacilityGateway.IntegrationTests.Infrastructure;

/// <summary>
/// A test consumer on the real broker: a persistent session (QoS 1, clean session off), so messages published while it
/// reconnects after a broker restart are queued for it. Reconnects from its own loop.
/// </summary>
public sealed class MqttSubscriber : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly MqttClientOptions _options;
    private readonly string _filter;
    private readonly List<(string Topic, string Payload, bool Retain)> _messages = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;

    private MqttSubscriber(MqttClientOptions options, string filter)
    {
        _options = options;
        _filter = filter;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            lock (_messages)
                _messages.Add((e.ApplicationMessage.Topic, Encoding.UTF8.GetString(e.ApplicationMessage.Payload), e.ApplicationMessage.Retain));
            return Task.CompletedTask;
        };
    }

    public static async Task<MqttSubscriber> StartAsync(int port, string filter, TestCertificates? tls = null, bool credentials = true, bool clientCertificate = false)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId($"test-subscriber-{Guid.NewGuid():N}")
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithCleanSession(false)
            .WithTimeout(TimeSpan.FromSeconds(5));
        if (credentials)
            builder.WithCredentials(MosquittoBroker.User, MosquittoBroker.Password);
        if (tls is not null)
        {
            var ca = X509CertificateLoader.LoadCertificateFromFile(tls.CaFile);
            builder.WithTlsOptions(t =>
            {
                t.UseTls().WithTargetHost("127.0.0.1").WithTrustChain([ca])
                    .WithCertificateValidationHandler(e => FacilityGateway.Sinks.Mqtt.MqttTls.Validate(e.Certificate, e.SslPolicyErrors, ca, checkHostName: true));
                if (clientCertificate)
                {
                    using var pem = X509Certificate2.CreateFromPemFile(tls.ClientCertificate, tls.ClientKey);
                    t.WithClientCertificates([X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null)]);
                }
            });
        }
        var subscriber = new MqttSubscriber(builder.Build(), filter);
        subscriber._loop = subscriber.LoopAsync();
        await subscriber._connected.Task.WaitAsync(TimeSpan.FromSeconds(20));
        return subscriber;
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            if (!_client.IsConnected)
            {
                try
                {
                    var result = await _client.ConnectAsync(_options, _stop.Token);
                    if (!result.IsSessionPresent)
                        await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(_filter, MqttQualityOfServiceLevel.AtLeastOnce).Build(), _stop.Token);
                    _connected.TrySetResult();
                }
                catch (Exception)
                {
                    // The broker is down (or we are stopping); try again shortly.
                }
            }
            try
            {
                await Task.Delay(100, _stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    public IReadOnlyList<(string Topic, string Payload, bool Retain)> Messages
    {
        get { lock (_messages) return [.. _messages]; }
    }

    /// <summary>The record ids of telemetry messages, in arrival order.</summary>
    public List<long> TelemetryIds() =>
        [.. Messages.Where(m => m.Topic.Contains("/telemetry/", StringComparison.Ordinal))
            .Select(m => long.Parse(JsonDocument.Parse(m.Payload).RootElement.GetProperty("id").GetString()!.Split('-')[^1], System.Globalization.CultureInfo.InvariantCulture))];

    public async Task WaitForAsync(Func<MqttSubscriber, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition(this))
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"timed out waiting for {what}; {Messages.Count} message(s) received");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
            await _loop;
        if (_client.IsConnected)
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
        _client.Dispose();
        _stop.Dispose();
    }
}
