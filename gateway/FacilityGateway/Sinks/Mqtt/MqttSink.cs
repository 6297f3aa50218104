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

    private readonly IServiceProvider? _services;

    public MqttSink(MqttSinkOptions options, GatewayConfig config, ILogger logger, IServiceProvider? services = null)
    {
        _services = services;
        _options = options;
        _config = config;
        _logger = logger;
        _topics = new MqttTopics(options.TopicPrefix, config.Gateway.Site, config.Gateway.Id);
        var points = config.Devices.Where(d => d.Enabled)
            .SelectMany(d => d.DescribePoints().Select(p => (Key: (d.Id, p.Id), Point: p)))
            .ToDictionary(x => x.Key, x => x.Point);
        _filter = new ChangeFilter(points, options.Heartbeat);
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnCommandAsync;
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

    /// <summary>The command that records a maintenance task as done: <c>…/commands/maintenance_done</c>.</summary>
    public const string MaintenanceDoneAction = "maintenance_done";

    /// <summary>The key of a command's body that names the topic its answer goes to.</summary>
    public const string ReplyToKey = "reply_to";

    /// <summary>
    /// A command on <c>…/commands/{action}</c> with <c>{"ticket":"T-…","by":"alice","note":"…","duration":"2h"}</c>:
    /// ack, start, resolve, shelve (note and duration required, at most 24 h), unshelve, reset, out_of_service (note required), in_service;
    /// or <c>maintenance_done</c> with <c>{"asset","task","by","note"}</c>. With <c>"reply_to": topic</c> the answer,
    /// <c>{"ok":true|false,"result":"done|not_applicable|not_stored|malformed","message":…}</c>, is published there once
    /// the action is stored (or refused). A retained command is refused: it would be done again at every reconnect.
    /// </summary>
    private async Task OnCommandAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        string action = e.ApplicationMessage.Topic[(e.ApplicationMessage.Topic.LastIndexOf('/') + 1)..];
        string? replyTo = null;
        (bool Ok, string Result, string Message) answer;
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(e.ApplicationMessage.Payload);
            var root = json.RootElement;
            replyTo = root.TryGetProperty(ReplyToKey, out var reply) ? reply.GetString() : null;
            if (e.ApplicationMessage.Retain)
            {
                // A retained maintenance_done re-based the intervals at every reconnect; a retained ack acked again.
                LogRetainedCommand(e.ApplicationMessage.Topic);
                answer = (false, "malformed", "retained commands are refused: publish commands without the retain flag");
            }
            else
            {
                answer = await ExecuteCommandAsync(action, root).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            LogBadCommand(e.ApplicationMessage.Topic, ex.Message);
            answer = (false, "malformed", ex.Message);
        }
        catch (OutboxFullException ex)
        {
            LogCommandNotStored(action, ex.Message);
            answer = (false, "not_stored", ex.Message);
        }
        if (replyTo is { Length: > 0 } && !replyTo.Contains('#', StringComparison.Ordinal) && !replyTo.Contains('+', StringComparison.Ordinal))
        {
            // QoS 0: a publication that waited for its PUBACK inside the receive handler could hold up the receive loop.
            var payload = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["ok"] = answer.Ok, ["result"] = answer.Result, ["message"] = answer.Message });
            await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(replyTo).WithPayload(payload).WithContentType("application/json").Build(), CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<(bool Ok, string Result, string Message)> ExecuteCommandAsync(string action, System.Text.Json.JsonElement root)
    {
        var engine = (Alarms.AlarmEngine?)_services!.GetService(typeof(Alarms.AlarmEngine));
        if (action == MaintenanceDoneAction)
        {
            // {"asset":"pump-1","task":"Inspect mechanical seal","by":"sam","note":"…"}: a task done without waiting for its ticket.
            string asset = root.GetProperty("asset").GetString() ?? "", task = root.GetProperty("task").GetString() ?? "";
            string doneBy = root.TryGetProperty("by", out var who) ? who.GetString() ?? "unknown" : "unknown";
            bool recorded = engine is not null && await engine.RecordMaintenanceAsync(asset, task, doneBy,
                root.TryGetProperty("note", out var why) ? why.GetString() : null, CancellationToken.None).ConfigureAwait(false);
            LogMaintenanceDone(asset, task, doneBy, recorded);
            return recorded ? (true, "done", $"'{task}' recorded as done on {asset}") : (false, "not_applicable", $"'{task}' is not a task of {asset}'s maintenance plan");
        }
        TimeSpan? duration = root.TryGetProperty("duration", out var d) && Configuration.Yaml.Durations.TryParse(d.GetString() ?? "", out var parsed, out _) ? parsed : null;
        var command = new TicketCommand(action, root.GetProperty("ticket").GetString() ?? "",
            root.TryGetProperty("by", out var by) ? by.GetString() ?? "unknown" : "unknown",
            root.TryGetProperty("note", out var note) ? note.GetString() : null, duration);
        bool done = engine is not null && await engine.ExecuteAsync(command, CancellationToken.None).ConfigureAwait(false);
        LogCommand(action, command.Ticket, command.By, done);
        return done ? (true, "done", $"{action} on {command.Ticket} stored") : (false, "not_applicable", $"ticket {command.Ticket} is unknown, or '{action}' does not apply to it now");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a retained command on {Topic}: commands are published without the retain flag")]
    private partial void LogRetainedCommand(string topic);

    [LoggerMessage(Level = LogLevel.Error, Message = "Command {Action} was not stored, so not done: {Error}")]
    private partial void LogCommandNotStored(string action, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Command {Action} on ticket {Ticket} by {By}: {Done}")]
    private partial void LogCommand(string action, string ticket, string by, bool done);

    [LoggerMessage(Level = LogLevel.Information, Message = "Maintenance done on {Asset}: {Task} by {By}: {Recorded}")]
    private partial void LogMaintenanceDone(string asset, string task, string by, bool recorded);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored a malformed command on {Topic}: {Error}")]
    private partial void LogBadCommand(string topic, string error);

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
        if (_services is null)
            return;
        var subscribed = await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(f => f.WithTopic(_topics.Commands).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            // MQTT 5: a retained command is not sent at each (re)subscription, and one published live keeps its
            // retain flag, so it is seen and refused (with 3.1.1 only the first holds).
            .WithRetainHandling(MqttRetainHandling.DoNotSendOnSubscribe).WithRetainAsPublished(true)).Build(), cancellationToken).ConfigureAwait(false);
        // A broker whose policy refuses the command topic still takes telemetry and tickets: said, not fatal.
        if (subscribed.Items.FirstOrDefault() is { } item && item.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2)
            LogCommandsRefused(_topics.Commands, item.ResultCode.ToString());
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker refused the subscription to {Topic} ({Reason}): commands from MQTT do not reach this gateway; telemetry and tickets are published as usual")]
    private partial void LogCommandsRefused(string topic, string reason);

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
