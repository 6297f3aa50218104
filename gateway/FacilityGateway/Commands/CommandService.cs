using System.Text.Json;
using FacilityGateway.Alarms;
using FacilityGateway.Configuration.Yaml;
using FacilityGateway.Outbox;
using FacilityGateway.Tickets;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Commands;

/// <summary>
/// The one path for people's actions, whichever way they come (the MQTT command topic, which the command line uses
/// too, and the dashboard): ticket actions and maintenance done. Each is logged with who, what and where it came from,
/// and answered only once it is stored or refused; a full disk answers <see cref="CommandOutcome.NotStored"/>.
/// </summary>
public sealed partial class CommandService(AlarmEngine alarms, ILogger<CommandService> logger, Writes.PointWrites? writes = null)
{
    /// <summary>A named command of a device's profile by a person the channel authenticated.</summary>
    public Task<Writes.WriteAnswer> RunAsync(string person, string device, string command, string? why, string channel, CancellationToken cancellationToken) =>
        writes is null
            ? Task.FromResult(new Writes.WriteAnswer(Malformed(channel, "writes are not served by this gateway"), null, null))
            : writes.CommandAsync(person, device, command, why, null, channel, cancellationToken);

    /// <summary>A write by a person the channel authenticated (the dashboard's sign-in).</summary>
    public Task<Writes.WriteAnswer> WriteAsync(Writes.WriteRequest request, string channel, CancellationToken cancellationToken) =>
        writes is null
            ? Task.FromResult(new Writes.WriteAnswer(Malformed(channel, "writes are not served by this gateway"), null, null))
            : writes.WriteAsync(request, channel, cancellationToken);

    /// <summary>
    /// A write to a device point by an authenticated person, the body of <c>…/commands/write/{person}</c>:
    /// <c>{"device","point","value","why","request_id"}</c>, or a named command of the device's profile:
    /// <c>{"device","command":"reset_fault",...}</c>. The answer carries the value before and after.
    /// </summary>
    public async Task<Writes.WriteAnswer> WriteAsync(string person, JsonElement body, string channel, CancellationToken cancellationToken)
    {
        if (writes is null)
            return new Writes.WriteAnswer(Malformed(channel, "writes are not served by this gateway"), null, null);
        try
        {
            if (Text(body, "command") is { } named)
                return await writes.CommandAsync(person, Required(body, "device"), named, Text(body, "why"), Text(body, "request_id"), channel, cancellationToken).ConfigureAwait(false);
            if (!body.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.Number)
                throw new KeyNotFoundException("'value' (a number) is missing");
            var request = new Writes.WriteRequest(person, Required(body, "device"), Required(body, "point"), value.GetDouble(), Text(body, "why"), Text(body, "request_id"));
            return await writes.WriteAsync(request, channel, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException)
        {
            return new Writes.WriteAnswer(Malformed(channel, ex.Message), null, null);
        }
    }

    /// <summary>The action that records a maintenance task as done: <c>maintenance_done</c>.</summary>
    public const string MaintenanceDoneAction = "maintenance_done";

    /// <summary>A technician's action on a ticket.</summary>
    public async Task<CommandResult> TicketAsync(TicketCommand command, string channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        string action = command.Action.Name();
        var result = await StoredAsync(action, () => alarms.ExecuteAsync(command, cancellationToken),
            $"{action} on {command.Ticket} stored", $"ticket {command.Ticket} is unknown, or '{action}' does not apply to it now").ConfigureAwait(false);
        LogAction(action, command.Ticket, command.By, channel, result.Result);
        return result;
    }

    /// <summary>A task of an asset's plan done without waiting for its ticket (during another visit, say).</summary>
    public async Task<CommandResult> MaintenanceDoneAsync(string asset, string task, string by, string? note, string channel, CancellationToken cancellationToken)
    {
        var result = await StoredAsync(MaintenanceDoneAction, () => alarms.RecordMaintenanceAsync(asset, task, by, note, cancellationToken),
            $"'{task}' recorded as done on {asset}", $"'{task}' is not a task of {asset}'s maintenance plan").ConfigureAwait(false);
        LogMaintenanceDone(asset, task, by, channel, result.Result);
        return result;
    }

    /// <summary>
    /// An action as JSON, the body of <c>…/commands/{action}</c>: <c>{"ticket","by","note","duration"}</c> for a ticket
    /// action, <c>{"asset","task","by","note"}</c> for <c>maintenance_done</c>.
    /// </summary>
    public async Task<CommandResult> ExecuteAsync(string action, JsonElement body, string channel, CancellationToken cancellationToken)
    {
        try
        {
            string by = Text(body, "by") ?? "unknown";
            if (action == MaintenanceDoneAction)
                return await MaintenanceDoneAsync(Required(body, "asset"), Required(body, "task"), by, Text(body, "note"), channel, cancellationToken).ConfigureAwait(false);
            if (!TicketActions.TryParse(action, out var ticketAction))
                return Malformed(channel, $"'{action}' is not an action: {string.Join(", ", TicketActions.All.Append(MaintenanceDoneAction))}");
            TimeSpan? duration = Text(body, "duration") is { } written && Durations.TryParse(written, out var parsed, out _) ? parsed : null;
            return await TicketAsync(new TicketCommand(ticketAction, Required(body, "ticket"), by, Text(body, "note"), duration), channel, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException)
        {
            return Malformed(channel, ex.Message);
        }
    }

    /// <summary>An action that could not be understood: logged, and answered.</summary>
    public CommandResult Malformed(string channel, string why)
    {
        LogMalformed(channel, why);
        return new CommandResult(CommandOutcome.Malformed, why);
    }

    private async Task<CommandResult> StoredAsync(string action, Func<Task<bool>> act, string done, string notApplicable)
    {
        try
        {
            return await act().ConfigureAwait(false)
                ? new CommandResult(CommandOutcome.Done, done)
                : new CommandResult(CommandOutcome.NotApplicable, notApplicable);
        }
        catch (OutboxFullException ex)
        {
            LogNotStored(action, ex.Message);
            return new CommandResult(CommandOutcome.NotStored, ex.Message);
        }
    }

    private static string? Text(JsonElement body, string key) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Required(JsonElement body, string key) =>
        Text(body, key) ?? throw new KeyNotFoundException($"the command needs \"{key}\"");

    [LoggerMessage(Level = LogLevel.Information, Message = "Action {Action} on {Target} by {By} from {Channel}: {Result}")]
    private partial void LogAction(string action, string target, string by, string channel, string result);

    [LoggerMessage(Level = LogLevel.Information, Message = "Maintenance done on {Asset}: {Task} by {By} from {Channel}: {Result}")]
    private partial void LogMaintenanceDone(string asset, string task, string by, string channel, string result);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored a malformed action from {Channel}: {Error}")]
    private partial void LogMalformed(string channel, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Action {Action} was not stored, so not done: {Error}")]
    private partial void LogNotStored(string action, string error);
}
