using System.Security.Cryptography.X509Certificates;
using System.Text;
using FacilityGateway.Configuration;
using FacilityGateway.Outbox;
using FacilityGateway.Readings;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using FacilityGateway.Tickets;

namespace FacilityGateway.Sinks.Mqtt;

/// <summary>
/// Publishes outbox records to an MQTT broker with MQTTnet 5. MQTTnet 5 has no managed client, so this sink owns the
/// connection: it connects (or reconnects) before a delivery when needed, never from the Disconnected event (which can
/// deadlock), publishes a retained <c>online</c> status with <c>offline</c> as last will, and sends records at QoS 1 in
/// order with a bounded window of unacknowledged publications. A delivery returns only when the broker acknowledged
/// every message; otherwise the runner retries the same records later (consumers drop duplicates by the record id).
/// It only sends: commands on the same broker are taken by <c>Commands/Mqtt/MqttCommandListener</c> on a session of its own.
/// </summary>
public sealed partial class MqttSink : ISink
{
    private readonly MqttSinkOptions _options;
    private readonly GatewayConfig _config;
    private readonly MqttTopics _topics;
    private readonly ChangeFilter _filter;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly HomeAssistantDiscovery? _discovery;

    public MqttSink(MqttSinkOptions options, GatewayConfig config, ILogger logger)
    {
        _options = options;
        _config = config;
        _logger = logger;
        _topics = new MqttTopics(options.TopicPrefix, config.Gateway.Site, config.Gateway.Id);
        var points = config.Devices.Where(d => d.Enabled)
            .SelectMany(d => d.DescribePoints().Select(p => (Key: (d.Id, p.Id), Point: p)))
            .ToDictionary(x => x.Key, x => x.Point);
        _filter = new ChangeFilter(points, options.Heartbeat);
        _client = new MqttClientFactory().CreateMqttClient();
        if (options.HomeAssistantDiscovery)
            _discovery = new HomeAssistantDiscovery(options.HomeAssistantPrefix, _topics, config);
    }

    public string Name => _options.Id;

    public int BatchSize => 200;

    /// <summary>The topics used.</summary>
    public MqttTopics Topics => _topics;

    public async Task DeliverAsync(IReadOnlyList<OutboxRecord> records, CancellationToken cancellationToken)
    {
        await EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
        var window = new SemaphoreSlim(_options.MaxInFlight, _options.MaxInFlight);
        var pending = new List<Task<MqttClientPublishResult>>(records.Count);
        var changes = _filter.Begin();
        try
        {
            foreach (var record in records)
            {
                if (record.Kind == OutboxRecordKind.TicketChange)
                {
                    foreach (var ticketMessage in TicketMessages(record))
                    {
                        await window.WaitAsync(cancellationToken).ConfigureAwait(false);
                        pending.Add(PublishAsync(ticketMessage, window, cancellationToken));
                    }
                    continue;
                }
                if (record.Kind == OutboxRecordKind.FloodDigest)
                {
                    await window.WaitAsync(cancellationToken).ConfigureAwait(false);
                    pending.Add(PublishAsync(new MqttApplicationMessageBuilder().WithTopic(_topics.Digests).WithPayload(record.Payload)
                        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithContentType("application/json").Build(), window, cancellationToken));
                    continue;
                }
                if (record.Kind != OutboxRecordKind.Readings)
                    continue;
                var batch = UndeliverableRecordException.Decode(record, p => ReadingBatchCodec.Decode(p));
                // One message per poll, even when report-by-exception leaves no point in it: the record id still travels.
                var selected = changes.Select(batch);
                var message = new MqttApplicationMessageBuilder()
                    .WithTopic(_topics.Telemetry(batch.DeviceId))
                    .WithPayload(TelemetryPayload.Encode(record.Key, batch, selected))
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                    .WithContentType("application/json")
                    .Build();
                await window.WaitAsync(cancellationToken).ConfigureAwait(false);
                // Started in record order, so they leave in order; the window bounds what awaits a PUBACK.
                pending.Add(PublishAsync(message, window, cancellationToken));
            }
            foreach (var result in await Task.WhenAll(pending).ConfigureAwait(false))
                if (!result.IsSuccess)
                    throw new SinkUnavailableException($"The broker refused a publication: {result.ReasonCode} {result.ReasonString}");
            changes.Acknowledged(); // only now do the chosen points count as sent
        }
        catch (Exception ex) when (IsPeerFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            await Task.WhenAll(pending.Select(p => p.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
            throw new SinkUnavailableException($"MQTT {_options.Host}: {ex.Message}", ex);
        }
    }

    /// <summary>A ticket event: the ticket's retained state and the event on the event stream.</summary>
    private IEnumerable<MqttApplicationMessage> TicketMessages(OutboxRecord record)
    {
        var ticketEvent = UndeliverableRecordException.Decode(record, p => TicketEvent.Decode(p));
        yield return new MqttApplicationMessageBuilder().WithTopic(_topics.Ticket(ticketEvent.Ticket.Id))
            .WithPayload(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(ticketEvent.Ticket, TicketEvent.Json))
            .WithRetainFlag().WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithContentType("application/json").Build();
        yield return new MqttApplicationMessageBuilder().WithTopic(_topics.Events).WithPayload(record.Payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithContentType("application/json").Build();
    }

    private async Task<MqttClientPublishResult> PublishAsync(MqttApplicationMessage message, SemaphoreSlim window, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            window.Release();
        }
    }

    /// <summary>Connects when not connected; a broken connection is detected by a ping and replaced.</summary>
    private async Task EnsureConnectedAsync(CancellationToken cancellationToken)
    {
        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_client.IsConnected)
                return;
            await ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsPeerFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            // One boundary for the whole session start: a broker that closes the connection after CONNACK (a policy
            // that denies the status topic or the subscription does) is a peer that cannot take records now.
            throw new SinkUnavailableException($"MQTT {_options.Host}: cannot start a session: {ex.Message}", ex);
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private static bool IsPeerFailure(Exception ex) =>
        ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException
            or System.Security.Authentication.AuthenticationException or IOException or System.Net.Sockets.SocketException;

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var result = await _client.ConnectAsync(BuildOptions(), cancellationToken).ConfigureAwait(false);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
            throw new SinkUnavailableException($"MQTT {_options.Host}: connection refused: {result.ResultCode} {result.ReasonString}");
        LogConnected(_options.Host, _topics.Root);
        await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(_topics.Status).WithPayload("online")
            .WithRetainFlag().WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken).ConfigureAwait(false);
        if (_discovery is not null)
            foreach (var message in _discovery.Messages())
                await _client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
    }

    private MqttClientOptions BuildOptions() => MqttConnection.Options(_options, _config, clientIdSuffix: "", _topics);

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                // A clean stop: say offline (the will is only sent when the connection breaks).
                await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(_topics.Status).WithPayload("offline").WithRetainFlag()
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), timeout.Token).ConfigureAwait(false);
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
            {
                // The broker is gone; the will says offline.
            }
        }
        _client.Dispose();
        _connectLock.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT connected to {Host}; topics under {Root}")]
    private partial void LogConnected(string host, string root);
}
