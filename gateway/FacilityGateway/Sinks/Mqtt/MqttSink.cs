using System.Security.Cryptography.X509Certificates;
using System.Text;
using FacilityGateway.Configuration;
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
    private readonly SinkContext _context;
    private readonly MqttTopics _topics;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly HomeAssistantDiscovery? _discovery;

    public MqttSink(MqttSinkOptions options, SinkContext context, ILogger logger)
    {
        _options = options;
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _logger = logger;
        _topics = new MqttTopics(options.TopicPrefix, context.Site, context.GatewayId);
        _client = new MqttClientFactory().CreateMqttClient();
        if (options.HomeAssistantDiscovery)
            _discovery = new HomeAssistantDiscovery(options.HomeAssistantPrefix, _topics, context);
    }

    public string Name => _options.Id;

    public int BatchSize => 200;

    public SinkTakes Takes => SinkTakes.All;

    public TimeSpan? Heartbeat => _options.Heartbeat;

    /// <summary>The topics used.</summary>
    public MqttTopics Topics => _topics;

    public async Task DeliverAsync(IReadOnlyList<SinkRecord> records, CancellationToken cancellationToken)
    {
        await EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
        var window = new SemaphoreSlim(_options.MaxInFlight, _options.MaxInFlight);
        var pending = new List<Task<MqttClientPublishResult>>(records.Count);
        try
        {
            foreach (var record in records)
            {
                foreach (var message in Messages(record))
                {
                    await window.WaitAsync(cancellationToken).ConfigureAwait(false);
                    // Started in record order, so they leave in order; the window bounds what awaits a PUBACK.
                    pending.Add(PublishAsync(message, window, cancellationToken));
                }
            }
            foreach (var result in await Task.WhenAll(pending).ConfigureAwait(false))
                if (!result.IsSuccess)
                    throw new SinkUnavailableException($"The broker refused a publication: {result.ReasonCode} {result.ReasonString}");
        }
        catch (Exception ex) when (IsPeerFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            await Task.WhenAll(pending.Select(p => p.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
            throw new SinkUnavailableException($"MQTT {_options.Host}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The messages of a record: a poll is one telemetry message (even when report by exception left no point in it:
    /// the record id still travels); a ticket change is the ticket's retained state and the event on the event stream.
    /// </summary>
    private IEnumerable<MqttApplicationMessage> Messages(SinkRecord record)
    {
        switch (record)
        {
            case TelemetryRecord telemetry:
                yield return Json(_topics.Telemetry(telemetry.Batch.DeviceId), TelemetryPayload.Encode(record.Key, telemetry.Batch, telemetry.Readings));
                break;
            case TicketChangeRecord change:
                yield return Json(_topics.Ticket(change.Change.Ticket.Id), System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(change.Change.Ticket, TicketEvent.Json.GetTypeInfo<Ticket>()), retain: true);
                yield return Json(_topics.Events, change.Json);
                break;
            case DigestRecord digest:
                yield return Json(_topics.Digests, digest.Json);
                break;
        }
    }

    private static MqttApplicationMessage Json(string topic, byte[] payload, bool retain = false) => new MqttApplicationMessageBuilder()
        .WithTopic(topic).WithPayload(payload).WithRetainFlag(retain)
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithContentType("application/json").Build();

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

    private MqttClientOptions BuildOptions() => MqttConnection.Options(_options, _context.GatewayId, clientIdSuffix: "", _topics);

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
