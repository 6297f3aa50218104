using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using FacilityGateway.Alarms;
using FacilityGateway.Outbox;
using FacilityGateway.Sources;
using FacilityGateway.Sources.Writes;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Commands.Writes;

/// <summary>
/// Every check a write passes before anything is sent, in this order: <c>control.read_only</c>, the person and their
/// role, the point declared writable, the value within its bounds and step, the point's interlocks (an alarm active on
/// the named point), its shortest interval; then the device's line writes it (ahead of polls, offline devices refuse)
/// and reads it back. Every attempt, done, refused or failed, is stored in the outbox's state (who, when, why, the
/// value before, asked and after) and logged.
/// </summary>
public sealed partial class PointWrites(WritePlan plan, AlarmEngine alarms, SourceHost sources, OutboxService outbox, TimeProvider time, ILogger<PointWrites> logger)
{
    private readonly ConcurrentDictionary<(string, string), long> _lastWrite = new();
    private long _sequence;

    public async Task<WriteAnswer> WriteAsync(WriteRequest request, string channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (refusal, point) = Check(request);
        WriteAnswer answer;
        if (refusal is not null)
        {
            answer = new WriteAnswer(new CommandResult(CommandOutcome.NotApplicable, refusal), null, null);
        }
        else if (sources.WriterOf(request.DeviceId) is not { } writer)
        {
            answer = new WriteAnswer(new CommandResult(CommandOutcome.NotApplicable, $"device {request.DeviceId} cannot be written now (not started)"), null, null);
        }
        else
        {
            _lastWrite[(request.DeviceId, request.PointId)] = time.GetTimestamp();
            var result = await writer.WriteAsync(request.DeviceId, request.PointId, request.Value, cancellationToken).ConfigureAwait(false);
            answer = Answer(request, point!, result);
        }
        await AuditAsync(request, channel, answer).ConfigureAwait(false);
        LogWrite(request.Person, channel, request.DeviceId, request.PointId, request.Value, answer.Result.Result, answer.Result.Message);
        return answer;
    }

    /// <summary>
    /// A named command of the device's profile (<c>reset_fault</c>): every step is checked before the first is sent (a
    /// refusal never leaves it half done), the steps are written in order with their waits, and it stops at the first
    /// step that fails, saying which. Audited as one attempt.
    /// </summary>
    public async Task<WriteAnswer> CommandAsync(string person, string deviceId, string command, string? why, string? requestId, string channel, CancellationToken cancellationToken)
    {
        var device = plan.Device(deviceId) as IWritableDevice;
        var steps = device?.Command(command);
        var request = new WriteRequest(person, deviceId, command, double.NaN, why, requestId);
        WriteAnswer answer;
        if (steps is null)
        {
            answer = new WriteAnswer(new CommandResult(CommandOutcome.NotApplicable, device is null
                ? $"{deviceId} is not an enabled device"
                : $"{deviceId} has no command '{command}'; its commands: {string.Join(", ", device.Commands)}"), null, null);
        }
        else
        {
            var requests = steps.Select(step => new WriteRequest(person, deviceId, step.Point, step.Value, why, requestId)).ToList();
            string? refusal = requests.Select((r, i) => Check(r, checkRate: requests.FindIndex(x => x.PointId == r.PointId) == i).Refusal).FirstOrDefault(r => r is not null);
            if (refusal is not null)
                answer = new WriteAnswer(new CommandResult(CommandOutcome.NotApplicable, $"{command} refused: {refusal}"), null, null);
            else if (sources.WriterOf(deviceId) is not { } writer)
                answer = new WriteAnswer(new CommandResult(CommandOutcome.NotApplicable, $"device {deviceId} cannot be written now (not started)"), null, null);
            else
                answer = await RunAsync(writer, (IWritableDevice)device!, command, requests, steps, cancellationToken).ConfigureAwait(false);
        }
        await AuditAsync(request, channel, answer).ConfigureAwait(false);
        LogCommand(person, channel, deviceId, command, answer.Result.Result, answer.Result.Message);
        return answer;
    }

    private async Task<WriteAnswer> RunAsync(IPointWriter writer, IWritableDevice device, string command, List<WriteRequest> requests, IReadOnlyList<CommandStepOptions> steps, CancellationToken cancellationToken)
    {
        foreach (var point in requests.Select(r => r.PointId).Distinct())
            _lastWrite[(requests[0].DeviceId, point)] = time.GetTimestamp();
        double? first = null, last = null;
        for (int i = 0; i < requests.Count; i++)
        {
            var step = Answer(requests[i], device.Writable(requests[i].PointId)!,
                await writer.WriteAsync(requests[i].DeviceId, requests[i].PointId, requests[i].Value, cancellationToken).ConfigureAwait(false));
            first ??= step.Before;
            last = step.After;
            if (!step.Result.Ok)
                return new WriteAnswer(new CommandResult(CommandOutcome.NotApplicable, $"{command} stopped at step {i + 1} of {requests.Count} ({requests[i].PointId} = {Format(requests[i].Value)}): {step.Result.Message}"), first, last);
            if (steps[i].Wait > TimeSpan.Zero)
                await Task.Delay(steps[i].Wait, time, cancellationToken).ConfigureAwait(false);
        }
        return new WriteAnswer(new CommandResult(CommandOutcome.Done, $"{command} done: {requests.Count} write(s) read back"), first, last);
    }

    private static WriteAnswer Answer(WriteRequest request, WritablePoint point, PointWriteResult result)
    {
        if (!result.Written)
            return new WriteAnswer(new CommandResult(CommandOutcome.NotApplicable, result.After is { } now
                ? $"the write failed ({result.Error}); the device now holds {Format(now)}"
                : $"the write failed ({result.Error}); what the device holds now is unknown"), result.Before, result.After);
        if (!point.Write.ReadBack)
            return new WriteAnswer(new CommandResult(CommandOutcome.Done, $"{Format(request.Value)} written (not read back)"), result.Before, null);
        double tolerance = Math.Max(point.Resolution / 2, Math.Abs(request.Value) * 1e-6);
        return result.After is { } after && Math.Abs(after - request.Value) <= tolerance
            ? new WriteAnswer(new CommandResult(CommandOutcome.Done, $"{Format(request.Value)} written and read back"), result.Before, after)
            : new WriteAnswer(new CommandResult(CommandOutcome.NotApplicable,
                $"written, but the device holds {(result.After is { } held ? Format(held) : "an unreadable value")}, not {Format(request.Value)}: it may refuse or limit it"), result.Before, result.After);
    }

    private static string Format(double value) => value.ToString("G15", CultureInfo.InvariantCulture);

    /// <summary>Why the write is refused before anything is sent, or null with the point.</summary>
    private (string? Refusal, WritablePoint? Point) Check(WriteRequest request, bool checkRate = true)
    {
        var control = plan.Control;
        if (control.ReadOnly)
            return ("control.read_only is on: nothing is written from here (commissioning)", null);
        if (!control.People.TryGetValue(request.Person, out var role))
            return ($"{request.Person} may not write: add them under control.people with a role", null);
        var device = plan.Device(request.DeviceId);
        if (device is null || !device.DescribePoints().Any(p => p.Id == request.PointId))
            return ($"{request.DeviceId}/{request.PointId} is not a point of an enabled device", null);
        if ((device as IWritableDevice)?.Writable(request.PointId) is not { } point)
            return ($"{request.DeviceId}/{request.PointId} is read-only: its point has no write:", null);
        var write = point.Write;
        if (!write.Roles.Contains(role))
            return ($"{request.Person} is a {role}; {request.DeviceId}/{request.PointId} may be written by: {string.Join(", ", write.Roles)}", null);
        if (!double.IsFinite(request.Value))
            return ("the value is not a number", null);
        if (point.Binary && request.Value is not (0 or 1))
            return ($"{request.DeviceId}/{request.PointId} is a coil or an output: write 0 or 1", null);
        if (write.Values is { Count: > 0 } allowed && !allowed.Contains(request.Value))
            return ($"{Format(request.Value)} is not one of the values {request.DeviceId}/{request.PointId} takes: {string.Join(", ", allowed.Select(Format))}", null);
        if (write.Min is { } min && request.Value < min || write.Max is { } max && request.Value > max)
            return ($"{Format(request.Value)} is outside {Format(write.Min ?? double.NegativeInfinity)}..{Format(write.Max ?? double.PositiveInfinity)} {point.Unit}".TrimEnd(), null);
        if (write.Step is { } step)
        {
            double steps = (request.Value - (write.Min ?? 0)) / step;
            if (Math.Abs(steps - Math.Round(steps)) > 1e-9)
                return ($"{Format(request.Value)} is not a step of {Format(step)} from {Format(write.Min ?? 0)}", null);
        }
        foreach (var interlock in write.Interlocks)
        {
            int slash = interlock.Point.IndexOf('/', StringComparison.Ordinal);
            var active = alarms.ActiveOn(interlock.Point[..slash], interlock.Point[(slash + 1)..]);
            if (active.Count > 0)
                return ($"interlock: {interlock.Reason ?? $"an alarm of {interlock.Point} is active"} ({active[0]})", null);
        }
        if (checkRate && _lastWrite.TryGetValue((request.DeviceId, request.PointId), out long last) && time.GetElapsedTime(last) < write.MinInterval)
            return ($"{request.DeviceId}/{request.PointId} was written {time.GetElapsedTime(last).TotalSeconds:F0} s ago; wait {write.MinInterval.TotalSeconds:F0} s between writes", null);
        return (null, point);
    }

    /// <summary>The attempt in the outbox's state table, beside the tickets: it survives a power cut once answered.</summary>
    private async Task AuditAsync(WriteRequest request, string channel, WriteAnswer answer)
    {
        var now = time.GetUtcNow();
        string key = $"{now.UtcDateTime:yyyyMMddTHHmmss.fff}-{Interlocked.Increment(ref _sequence)}";
        string json = Readings.UnicodeJson.Serialize(new Dictionary<string, object?>
        {
            ["at"] = now, ["by"] = request.Person, ["channel"] = channel, ["request_id"] = request.RequestId,
            ["device"] = request.DeviceId, ["point"] = request.PointId, ["why"] = request.Why,
            ["before"] = answer.Before, ["value"] = double.IsFinite(request.Value) ? request.Value : null, ["after"] = answer.After,
            ["result"] = answer.Result.Result, ["message"] = answer.Result.Message,
        });
        try
        {
            await outbox.Outbox.TransactAsync([("write", key, json)], [], CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OutboxFullException or Microsoft.Data.Sqlite.SqliteException)
        {
            LogNotAudited(request.DeviceId, request.PointId, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Write by {Person} ({Channel}) of {DeviceId}/{PointId} = {Value}: {Result}: {Message}")]
    private partial void LogWrite(string person, string channel, string deviceId, string pointId, double value, string result, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Command {Command} by {Person} ({Channel}) on {DeviceId}: {Result}: {Message}")]
    private partial void LogCommand(string person, string channel, string deviceId, string command, string result, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "The write of {DeviceId}/{PointId} could not be stored in the audit trail: {Reason}")]
    private partial void LogNotAudited(string deviceId, string pointId, string reason);
}
