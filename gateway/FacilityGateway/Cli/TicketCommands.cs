using System.CommandLine;
using System.Text.Json;
using FacilityGateway.Alarms;
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
            string path = Path.IsPathRooted(config.Outbox.Path) ? config.Outbox.Path : Path.Combine(config.Gateway.DataDirectory, config.Outbox.Path);
            if (!File.Exists(path))
            {
                output.WriteLine("no tickets (the gateway has not run with this configuration yet)");
                return ExitCodes.Ok;
            }
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT json FROM state WHERE kind = 'ticket'";
            using var reader = command.ExecuteReader();
            var rows = new List<Ticket>();
            while (reader.Read())
                rows.Add(JsonSerializer.Deserialize<Ticket>(reader.GetString(0), TicketEvent.Json)!);
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
            return ExitCodes.Ok;
        });
        tickets.Add(list);
        foreach (var action in TicketEvent.Actions)
            tickets.Add(Action(action, configOption, output, error));
        return tickets;
    }

    private static Command Action(string action, Option<FileInfo> configOption, TextWriter output, TextWriter error)
    {
        var id = new Argument<string>("ticket") { Description = "The ticket id, such as T-20261126-030512-1a2b." };
        var by = new Option<string>("--by") { Description = "Who acts.", DefaultValueFactory = _ => Environment.UserName };
        var note = new Option<string?>("--note") { Description = "Why (required to shelve)." };
        var duration = new Option<string?>("--duration") { Description = "How long to shelve (at most 24h)." };
        var command = new Command(action, $"Send '{action}' for a ticket to the running gateway.") { id, configOption, by, note, duration };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var config = ConfigurationReport.Load(parse.GetValue(configOption)!.FullName, error);
            if (config is null)
                return ExitCodes.ConfigurationError;
            if (config.Sinks.OfType<MqttSinkOptions>().FirstOrDefault(s => s.Enabled) is not { } mqtt)
            {
                error.WriteLine("the configuration has no MQTT sink: commands reach the gateway through its broker");
                return ExitCodes.ConfigurationError;
            }
            var topics = new MqttTopics(mqtt.TopicPrefix, config.Gateway.Site, config.Gateway.Id);
            string payload = JsonSerializer.Serialize(new Dictionary<string, string?>
            {
                ["ticket"] = parse.GetValue(id), ["by"] = parse.GetValue(by), ["note"] = parse.GetValue(note), ["duration"] = parse.GetValue(duration),
            });
            using var client = new MqttClientFactory().CreateMqttClient();
            try
            {
                await client.ConnectAsync(MqttConnection.Options(mqtt, config, clientIdSuffix: $"-cli-{Environment.ProcessId}"), cancellationToken).ConfigureAwait(false);
                await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"{topics.Root}/commands/{action}").WithPayload(payload)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken).ConfigureAwait(false);
                await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
            {
                error.WriteLine($"cannot reach the broker {mqtt.Host}: {ex.Message}");
                return ExitCodes.Failure;
            }
            output.WriteLine($"sent {action} for {parse.GetValue(id)} to {topics.Root}/commands/{action}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
