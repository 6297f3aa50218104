using System.Text.Json;
using FacilityGateway.Configuration;
using FacilityGateway.Sinks.Mqtt;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace FacilityGateway.Commands.Mqtt;

/// <summary>
/// Listens on <c>…/commands/{action}</c> of an MQTT sink's broker with a session of its own (client id
/// <c>…-commands</c>, no last will: the sink's session says online and offline), and hands each command to the
/// <see cref="CommandService"/>. With <c>"reply_to": topic</c> in the body the answer,
/// <c>{"ok":true|false,"result":"done|not_applicable|not_stored|malformed","message":…}</c>, is published there once the
/// action is stored or refused. A retained command is refused: it would be done again at every reconnect. A broker that
/// is down or refuses the subscription is retried with backoff; telemetry is not held up by it (the sink is apart).
/// </summary>
public sealed partial class MqttCommandListener : BackgroundService
{
    /// <summary>The key of a command's body that names the topic its answer goes to.</summary>
    public const string ReplyToKey = "reply_to";

    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(2);
    private readonly MqttSinkOptions _options;
    private readonly string _gatewayId;
    private readonly MqttTopics _topics;
    private readonly CommandService _commands;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MqttCommandListener(MqttSinkOptions options, GatewayIdentity gateway, CommandService commands, TimeProvider time, ILogger<MqttCommandListener> logger)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        _options = options;
        _gatewayId = gateway.Id;
        _topics = new MqttTopics(options.TopicPrefix, gateway.Site, gateway.Id);
        _commands = commands;
        _time = time;
        _logger = logger;
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
    }

    /// <summary>Completes once the command topic is first subscribed: from then on commands are taken.</summary>
    public Task Listening => _listening.Task;

    /// <summary>The sink whose broker this listens on.</summary>
    public string SinkId => _options.Id;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromMilliseconds(200);
        bool failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!_client.IsConnected)
                {
                    await ConnectAsync(stoppingToken).ConfigureAwait(false);
                    if (failing)
                        LogBack(_options.Host);
                    failing = false;
                    backoff = TimeSpan.FromMilliseconds(200);
                }
                await Task.Delay(CheckEvery, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Supervised: a broker that is down or rude, or an error nobody planned for, is said once and tried
                // again with backoff; commands never take polling and delivery down with them.
                if (!failing)
                    LogUnavailable(_options.Host, IsPeerFailure(ex) ? ex.Message : $"{ex.GetType().Name}: {ex.Message}");
                failing = true;
                await Task.Delay(backoff, _time, stoppingToken).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                return; // stopping: a connection attempt cut short by the stop is not a failure
            }
        }
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var result = await _client.ConnectAsync(MqttConnection.Options(_options, _gatewayId, clientIdSuffix: "-commands"), cancellationToken).ConfigureAwait(false);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
            throw new InvalidOperationException($"connection refused: {result.ResultCode} {result.ReasonString}");
        var subscribed = await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(f => f.WithTopic(_topics.Commands).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            // MQTT 5: a retained command is not sent at each (re)subscription, and one published live keeps its
            // retain flag, so it is seen and refused (with 3.1.1 only the first holds).
            .WithRetainHandling(MqttRetainHandling.DoNotSendOnSubscribe).WithRetainAsPublished(true)).Build(), cancellationToken).ConfigureAwait(false);
        if (subscribed.Items.FirstOrDefault() is { } item && item.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2)
        {
            // A broker whose policy refuses the command topic: said once, tried again later (the policy may change).
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), cancellationToken).ConfigureAwait(false);
            throw new InvalidOperationException($"the broker refused the subscription to {_topics.Commands} ({item.ResultCode}): commands from MQTT do not reach this gateway; telemetry and tickets are published as usual");
        }
        LogListening(_topics.Commands, _options.Host);
        _listening.TrySetResult();
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        string topic = e.ApplicationMessage.Topic;
        string action = topic[(topic.LastIndexOf('/') + 1)..];
        string? replyTo = null;
        CommandResult answer;
        try
        {
            using var json = JsonDocument.Parse(e.ApplicationMessage.Payload);
            var root = json.RootElement;
            replyTo = root.ValueKind == JsonValueKind.Object && root.TryGetProperty(ReplyToKey, out var reply) && reply.ValueKind == JsonValueKind.String ? reply.GetString() : null;
            string writePrefix = $"{_topics.Root}/commands/write";
            if (!e.ApplicationMessage.Retain && (topic == writePrefix || topic.StartsWith(writePrefix + "/", StringComparison.Ordinal)))
            {
                // The person is the topic's last level, which the broker's ACL lets only their own user publish to.
                string person = topic.Length > writePrefix.Length + 1 ? topic[(writePrefix.Length + 1)..] : "";
                Writes.WriteAnswer written = person.Length == 0 || person.Contains('/', StringComparison.Ordinal)
                    ? new Writes.WriteAnswer(_commands.Malformed($"mqtt {topic}", "publish writes on commands/write/{your user name}"), null, null)
                    : await _commands.WriteAsync(person, root, $"mqtt {_options.Id}", CancellationToken.None).ConfigureAwait(false);
                await ReplyAsync(replyTo, written.Result, root, written).ConfigureAwait(false);
                return;
            }
            // A retained maintenance_done re-based the intervals at every reconnect; a retained ack acked again.
            answer = e.ApplicationMessage.Retain
                ? _commands.Malformed($"mqtt {topic}", "retained commands are refused: publish commands without the retain flag")
                : await _commands.ExecuteAsync(action, root, $"mqtt {_options.Id}", CancellationToken.None).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            answer = _commands.Malformed($"mqtt {topic}", ex.Message);
        }
        await ReplyAsync(replyTo, answer, default, null).ConfigureAwait(false);
    }

    /// <summary>The answer on the sender's <c>reply_to</c>; a write's carries its request id and the values before and after.</summary>
    private async Task ReplyAsync(string? replyTo, CommandResult answer, JsonElement body, Writes.WriteAnswer? written)
    {
        if (replyTo is not { Length: > 0 } || replyTo.Contains('#', StringComparison.Ordinal) || replyTo.Contains('+', StringComparison.Ordinal))
            return;
        var reply = new Dictionary<string, object?> { ["ok"] = answer.Ok, ["result"] = answer.Result, ["message"] = answer.Message };
        if (written is not null)
        {
            reply["request_id"] = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("request_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
            reply["before"] = written.Before;
            reply["after"] = written.After;
        }
        // QoS 0: a publication that waited for its PUBACK inside the receive handler could hold up the receive loop.
        var payload = Readings.UnicodeJson.SerializeToUtf8Bytes(reply);
        await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(replyTo).WithPayload(payload).WithContentType("application/json").Build(), CancellationToken.None).ConfigureAwait(false);
    }

    private static bool IsPeerFailure(Exception ex) =>
        ex is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException or OperationCanceledException
            or System.Security.Authentication.AuthenticationException or IOException or System.Net.Sockets.SocketException;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_client.IsConnected)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
            {
                // The broker is gone already.
            }
        }
    }

    public override void Dispose()
    {
        _client.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening for commands on {Topic} at {Host}")]
    private partial void LogListening(string topic, string host);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Commands from MQTT {Host} cannot be taken now: {Error}; trying again")]
    private partial void LogUnavailable(string host, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Commands from MQTT {Host} are taken again")]
    private partial void LogBack(string host);
}
