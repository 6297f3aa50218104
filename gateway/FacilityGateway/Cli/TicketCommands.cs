using System.CommandLine;
using System.Text.Json;
using FacilityGateway.Alarms;
using FacilityGateway.Configuration;
using FacilityGateway.Sinks;
using FacilityGateway.Sinks.Mqtt;
using FacilityGateway.Tickets;
using Microsoft.Data.Sqlite;
using MQTTnet;
using MQTTnet.Protocol;

namespace FacilityGateway.Cli;

/// <summary>
/// <c>tickets list|ack|start|resolve|shelve|reset</c>. Listing reads the outbox file (read-only, safe while the gateway
/// runs); actions are published on the gateway's MQTT command topic through the configured broker, so the running
/// gateway applies and records them like any technician's action.
/// </summary>
internal static class TicketCommands
{
    public static Command Build(Option<FileInfo> configOption, TextWriter output, TextWriter error)
    {
        var tickets = new Command("tickets", "List fault tickets, or acknowledge, start, resolve, shelve, reset or take out of service one.");
        var all = new Option<bool>("--all") { Description = "Include closed and resolved tickets." };
        var asset = new Option<string?>("--asset") { Description = "Only this asset's tickets, each with its audit trail (with --all: its fault and maintenance history)." };
        var list = new Command("list", "List open tickets (from the gateway's outbox file).") { configOption, all, asset };
        list.SetAction(parse =>
        {
            var config = ConfigurationReport.Load(parse.GetValue(configOption)!.FullName, error);
            if (config is null)
                return ExitCodes.ConfigurationError;
            using var connection = ConfigurationReport.OpenOutboxReadOnly(config, output, "no tickets");
            if (connection is null)
                return ExitCodes.Ok;
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT json FROM state WHERE kind = 'ticket'";
            using var reader = command.ExecuteReader();
            var rows = new List<Ticket>();
            while (reader.Read())
                rows.Add(JsonSerializer.Deserialize(reader.GetString(0), TicketEvent.Json.GetTypeInfo<Ticket>())!);
            string? assetId = parse.GetValue(asset);
            if (assetId is not null && config.Assets.All(a => a.Id != assetId))
            {
                error.WriteLine($"no asset '{assetId}' in the register; assets: {string.Join(", ", config.Assets.Select(a => a.Id))}");
                return ExitCodes.ConfigurationError;
            }
            var shown = rows.Where(t => parse.GetValue(all) || t.State is not (TicketState.Closed or TicketState.Resolved))
                .Where(t => assetId is null || t.Asset.Id == assetId)
                .OrderBy(t => assetId is null ? (int)t.Priority : 0).ThenBy(t => t.FirstAt).ToList();
            foreach (var t in shown)
            {
                output.WriteLine($"{t.Id}  {t.Priority}  {t.State.ToString().ToLowerInvariant(),-12} {t.Asset.Name}: {t.Message}  (since {t.FirstAt:yyyy-MM-dd HH:mm}, x{t.Occurrences}, assigned to {t.AssignedTo ?? "-"}, respond by {t.RespondBy:yyyy-MM-dd HH:mm}{(t.ResolveBy is { } r ? $", resolve by {r:yyyy-MM-dd HH:mm}" : "")}{(t.Overdue ? ", OVERDUE" : "")})");
                if (assetId is not null)
                    foreach (var entry in t.Audit)
                        output.WriteLine($"    {entry.At:yyyy-MM-dd HH:mm}  {entry.Action,-16} {entry.By}{(entry.Note is null ? "" : ": " + entry.Note)}");
            }
            output.WriteLine($"{shown.Count} ticket(s)");
            if (assetId is not null)
                PrintWrites(connection, config, assetId, output);
            return ExitCodes.Ok;
        });
        tickets.Add(list);
        foreach (var action in TicketEvent.Actions)
            tickets.Add(Action(action, configOption, output, error));
        return tickets;
    }

    /// <summary>The writes to the asset's devices, done, refused or failed, oldest first: part of its history.</summary>
    private static void PrintWrites(SqliteConnection connection, GatewayConfig config, string assetId, TextWriter output)
    {
        var devices = config.Devices.Where(d => d.Asset == assetId).Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT key, json FROM state WHERE kind = 'write' ORDER BY key";
        using var reader = command.ExecuteReader();
        int count = 0;
        while (reader.Read())
        {
            using var json = JsonDocument.Parse(reader.GetString(1));
            var w = json.RootElement;
            string device = w.GetProperty("device").GetString() ?? "";
            if (!devices.Contains(device))
                continue;
            if (count++ == 0)
                output.WriteLine("writes:");
            string Value(string name) => w.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble().ToString("G15", System.Globalization.CultureInfo.InvariantCulture) : "-";
            string Text(string name) => w.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
            output.WriteLine($"    {w.GetProperty("at").GetDateTimeOffset():yyyy-MM-dd HH:mm}  {device}/{Text("point")} = {Value("value")}  by {Text("by")} ({Text("channel")}): {Text("result")}, before {Value("before")}, after {Value("after")}{(Text("why") is { Length: > 0 } why ? $"; why: {why}" : "")}");
        }
        if (count > 0)
            output.WriteLine($"{count} write(s)");
    }

    private static Command Action(string action, Option<FileInfo> configOption, TextWriter output, TextWriter error)
    {
        var id = new Argument<string>("ticket") { Description = "The ticket id, such as T-20261126-030512-0042." };
        var by = new Option<string>("--by") { Description = "Who acts.", DefaultValueFactory = _ => Environment.UserName };
        var note = new Option<string?>("--note") { Description = "Why (required to shelve)." };
        var duration = new Option<string?>("--duration") { Description = "How long to shelve (at most 24h) or keep out of service (default 7d, at most 30d)." };
        var command = new Command(action, $"Send '{action}' for a ticket to the running gateway.") { id, configOption, by, note, duration };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var config = ConfigurationReport.Load(parse.GetValue(configOption)!.FullName, error);
            if (config is null)
                return ExitCodes.ConfigurationError;
            return await SendAsync(config, action, new Dictionary<string, string?>
            {
                ["ticket"] = parse.GetValue(id), ["by"] = parse.GetValue(by), ["note"] = parse.GetValue(note), ["duration"] = parse.GetValue(duration),
            }, $"{action} for {parse.GetValue(id)}", output, error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary><c>maintenance done ASSET TASK</c>: a task of the plan was done without waiting for its ticket.</summary>
    public static Command BuildMaintenance(Option<FileInfo> configOption, TextWriter output, TextWriter error)
    {
        var maintenance = new Command("maintenance", "Record maintenance work on an asset of the register.");
        var asset = new Argument<string>("asset") { Description = "The asset's id, such as booster-pump-1." };
        var task = new Argument<string>("task") { Description = "The task as its plan names it, such as \"Inspect mechanical seal\"." };
        var by = new Option<string>("--by") { Description = "Who did it.", DefaultValueFactory = _ => Environment.UserName };
        var note = new Option<string?>("--note") { Description = "What was done or found." };
        var done = new Command("done", "Tell the running gateway a task was done now: its intervals count from now, and the asset's history records it.") { asset, task, configOption, by, note };
        done.SetAction(async (parse, cancellationToken) =>
        {
            string assetId = parse.GetValue(asset)!, taskText = parse.GetValue(task)!;
            // Checked here against the register, so a typo is said at once rather than ignored by the gateway.
            var config = ConfigurationReport.Load(parse.GetValue(configOption)!.FullName, error);
            if (config is null)
                return ExitCodes.ConfigurationError;
            if (config.Assets.FirstOrDefault(a => a.Id == assetId) is not { } entry)
            {
                error.WriteLine($"no asset '{assetId}' in the register; assets: {string.Join(", ", config.Assets.Select(a => a.Id))}");
                return ExitCodes.ConfigurationError;
            }
            if (Maintenance.UsageTracker.FindTask(entry, taskText) is null)
            {
                error.WriteLine($"'{taskText}' is not in the plan of {assetId}; its tasks: {string.Join(", ", entry.Maintenance.Select(t => $"\"{t.Task}\""))}");
                return ExitCodes.ConfigurationError;
            }
            return await SendAsync(config, Commands.CommandService.MaintenanceDoneAction, new Dictionary<string, string?>
            {
                ["asset"] = assetId, ["task"] = taskText, ["by"] = parse.GetValue(by), ["note"] = parse.GetValue(note),
            }, $"'{taskText}' done on {assetId}", output, error, cancellationToken).ConfigureAwait(false);
        });
        maintenance.Add(done);
        return maintenance;
    }

    /// <summary>How long the command line waits for the gateway's answer; a command not taken by then expires at the broker.</summary>
    internal static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Publishes a command to the running gateway's command topic through the broker of its MQTT sink and waits for the
    /// gateway's answer on a reply topic of its own: exit 0 only when the gateway stored the action. A gateway that does
    /// not answer in time is said so, and (MQTT 5) the command expires at the broker rather than being done later.
    /// </summary>
    private static Task<int> SendAsync(GatewayConfig config, string action, Dictionary<string, string?> body, string what, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        SendAsync(config, action, body.ToDictionary(p => p.Key, p => (object?)p.Value), what, null, output, error, cancellationToken);

    /// <summary>A person's MQTT identity for writes: their broker user (an on-call contact id) and password.</summary>
    internal sealed record BrokerLogin(string User, string Password);

    /// <summary>
    /// Publishes a command on <c>commands/{topic}</c> and waits for the answer; with <paramref name="person"/> it connects
    /// as that person (the broker's ACL lets them publish only on their own write topic, and read only their replies).
    /// </summary>
    internal static async Task<int> SendAsync(GatewayConfig config, string topic, Dictionary<string, object?> body, string what, BrokerLogin? person, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (config.Sinks().OfType<MqttSinkOptions>().FirstOrDefault(s => s.Enabled) is not { } mqtt)
        {
            error.WriteLine("the configuration has no MQTT sink: commands reach the gateway through its broker");
            return ExitCodes.ConfigurationError;
        }
        var topics = new MqttTopics(mqtt.TopicPrefix, config.Gateway.Site, config.Gateway.Id);
        string replyTo = person is null ? $"{topics.Root}/replies/cli-{Environment.ProcessId}-{Guid.NewGuid():N}" : $"replies/{person.User}/cli-{Environment.ProcessId}-{Guid.NewGuid():N}";
        body[Commands.Mqtt.MqttCommandListener.ReplyToKey] = replyTo;
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            if (e.ApplicationMessage.Topic == replyTo)
            {
                try
                {
                    answer.TrySetResult(JsonDocument.Parse(e.ApplicationMessage.Payload).RootElement.Clone());
                }
                catch (JsonException)
                {
                    // not an answer of ours; keep waiting
                }
            }
            return Task.CompletedTask;
        };
        try
        {
            var options = MqttConnection.Options(mqtt, config.Gateway.Id, clientIdSuffix: $"-cli-{Environment.ProcessId}");
            if (person is not null)
            {
                options.Credentials = new MqttClientCredentials(person.User, System.Text.Encoding.UTF8.GetBytes(person.Password));
                options.ClientId = $"{person.User}-cli-{Environment.ProcessId}";
            }
            await client.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
            await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(replyTo, MqttQualityOfServiceLevel.AtMostOnce).Build(), cancellationToken).ConfigureAwait(false);
            var message = new MqttApplicationMessageBuilder().WithTopic($"{topics.Root}/commands/{topic}").WithPayload(Readings.UnicodeJson.SerializeToUtf8Bytes(body))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
            if (mqtt.Protocol != MqttVersion.V311)
                message = message.WithMessageExpiryInterval((uint)AnswerTimeout.TotalSeconds);
            await client.PublishAsync(message.Build(), cancellationToken).ConfigureAwait(false);
            JsonElement reply;
            try
            {
                reply = await answer.Task.WaitAsync(AnswerTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                error.WriteLine($"no answer from gateway {config.Gateway.Id} within {AnswerTimeout.TotalSeconds:F0} s: it is not running or not connected to {mqtt.Host}; {what} was not done");
                return ExitCodes.Failure;
            }
            finally
            {
                await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None).ConfigureAwait(false);
            }
            string text = reply.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "";
            if (!reply.TryGetProperty("ok", out var ok) || !ok.GetBoolean())
            {
                error.WriteLine($"gateway {config.Gateway.Id} refused {what}: {text}");
                return ExitCodes.Failure;
            }
            output.WriteLine($"done: {text}");
            if (reply.TryGetProperty("before", out var before) && reply.TryGetProperty("after", out var after))
                output.WriteLine($"before {before}, after {after}");
            return ExitCodes.Ok;
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
            error.WriteLine($"cannot reach the broker {mqtt.Host}: {ex.Message}");
            return ExitCodes.Failure;
        }
    }
}
