using FacilityGateway.Configuration;
using FacilityGateway.Maintenance;
using FacilityGateway.Outbox;
using FacilityGateway.Readings;
using FacilityGateway.Tickets;

namespace FacilityGateway.Alarms;

/// <summary>Run hours and starts of the assets, and the maintenance tickets of their plans.</summary>
public sealed partial class AlarmEngine
{
    /// <summary>Tasks of the plans that came due: a P4 maintenance ticket each, committed with the due points that follow.</summary>
    private void PlanMaintenance(IEnumerable<UsageTracker> trackers, Changes changes)
    {
        var now = _time.GetUtcNow();
        foreach (var tracker in trackers.Distinct())
        {
            var (due, next) = tracker.Plan(now);
            if (next is null)
                continue; // a task comes due only by moving its due point
            changes.Usage[tracker] = next;
            foreach (var task in due)
                OpenMaintenanceTicket(tracker, task, now, changes);
        }
    }

    /// <summary>The P4 rule a task's maintenance tickets are raised by.</summary>
    private AlarmRule MaintenanceRule(UsageTracker tracker, MaintenanceTask task, string message)
    {
        var running = _rules.RunningPointOf(tracker.Asset.Id);
        return new AlarmRule(tracker.RuleIdOf(task), running?.Device ?? "", running?.Point ?? "", tracker.Asset.Id, AlarmRuleType.Maintenance,
            task.EveryRunHours ?? task.EveryStarts ?? 0, 0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, false, AlarmPriority.P4,
            message, task.EveryRunHours is not null ? "h" : task.EveryStarts is not null ? "starts" : "");
    }

    private static double? CounterOf(UsageTracker tracker, MaintenanceTask task) =>
        task.EveryRunHours is not null ? Math.Round(tracker.RunHours, 1) : task.EveryStarts is not null ? tracker.Starts : null;

    /// <summary>
    /// A technician did a task of an asset's plan without waiting for its ticket (during another visit, say): its
    /// intervals count from now. With its ticket open, that ticket is resolved; without one, a ticket is recorded already
    /// resolved, so the asset's history shows the work. False when the asset or the task is not in the register.
    /// </summary>
    public async Task<bool> RecordMaintenanceAsync(string assetId, string task, string by, string? note, CancellationToken cancellationToken)
    {
        var tracker = _usage.FirstOrDefault(t => t.Asset.Id == assetId);
        if (tracker is null || UsageTracker.FindTask(tracker.Asset, task) is not { } planned)
            return false;
        if (OpenTicketOf(tracker, planned) is { } open)
            return await ExecuteAsync(new TicketCommand(TicketAction.Resolve, open.Id, by, note), cancellationToken).ConfigureAwait(false);

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            var changes = new Changes();
            var ticket = NewTicket(MaintenanceRule(tracker, planned, $"Maintenance done: {planned.Task}"), CounterOf(tracker, planned), now);
            ticket = _desk.Resolved(ticket, now) with { ConditionActive = false, AssignedTo = by };
            var done = MaintenanceDone(ticket, now, changes);
            ticket = ticket with { Revision = ticket.Revision + 1, Audit = [.. ticket.Audit, new TicketAuditEntry(now, "resolve", by, note), .. done is null ? Array.Empty<TicketAuditEntry>() : [done]] };
            changes.Put(ticket, "resolve");
            await CommitAsync(changes, cancellationToken, action: true).ConfigureAwait(false);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    private void OpenMaintenanceTicket(UsageTracker tracker, DueTask task, DateTimeOffset now, Changes changes)
    {
        var asset = tracker.Asset;
        var rule = MaintenanceRule(tracker, task.Task, $"Maintenance due: {task.Task.Task} ({task.Reason})");
        double? value = CounterOf(tracker, task.Task);
        var open = changes.Current(OpenTickets.FirstOrDefault(t => t.RuleId == rule.Id && t.State != TicketState.Resolved));
        Ticket ticket;
        if (open is not null)
        {
            // Not done since it last came due: the same ticket counts another occurrence.
            ticket = open with { Occurrences = open.Occurrences + 1, LastAt = now, Value = value, Message = rule.Message, Revision = open.Revision + 1,
                Audit = [.. open.Audit, new TicketAuditEntry(now, "maintenance_due", "gateway", $"due again: {task.Reason}")] };
        }
        else
        {
            ticket = NewTicket(rule, value, now) with { ConditionActive = false };
        }
        LogTicket(ticket.Id, "maintenance_due", ticket.Priority, asset.Name, ticket.Message);
        changes.Put(ticket, "maintenance_due");
    }

    /// <summary>
    /// A maintenance ticket was resolved: the task was done now, its intervals count from here, and the ticket's audit
    /// trail (the asset's maintenance history) says at what run hours and starts and when it is next due.
    /// </summary>
    private TicketAuditEntry? MaintenanceDone(Ticket ticket, DateTimeOffset now, Changes changes)
    {
        foreach (var tracker in _usage.Where(t => t.Asset.Id == ticket.Asset.Id))
        {
            if (tracker.Done(ticket.RuleId, now) is not var (task, next, state))
                continue;
            changes.Usage[tracker] = state;
            var ci = System.Globalization.CultureInfo.InvariantCulture;
            var at = new List<string>();
            if (task.EveryRunHours is not null)
                at.Add(string.Create(ci, $"{tracker.RunHours:N1} run hours"));
            if (task.EveryStarts is not null)
                at.Add(string.Create(ci, $"{tracker.Starts:N0} starts"));
            var due = new List<string>();
            if (next.RunHours is { } h)
                due.Add(string.Create(ci, $"{h:N1} run hours"));
            if (next.Starts is { } s)
                due.Add(string.Create(ci, $"{s:N0} starts"));
            if (next.At is { } when)
                due.Add(TimeZoneInfo.ConvertTime(when, _zone).ToString("yyyy-MM-dd", ci));
            string done = at.Count > 0 ? $"done at {string.Join(", ", at)}" : "done";
            return new TicketAuditEntry(now, "maintenance_done", "gateway", $"{done}; next due at {string.Join(" or ", due)}, whichever comes first");
        }
        return null;
    }

    /// <summary>Counters that moved are saved (and published as readings of the gateway) with this commit.</summary>
    private void SaveUsage(Changes changes)
    {
        _usageSavedAt = _time.GetTimestamp();
        var now = _time.GetUtcNow();
        var readings = new List<Reading>();
        foreach (var tracker in _usage.Where(t => t.Dirty))
        {
            if (!changes.Usage.ContainsKey(tracker))
                changes.Usage[tracker] = tracker.Snapshot();
            readings.Add(new Reading(GatewayDevice.Id, $"asset.{tracker.Asset.Id}.run_hours", Math.Round(tracker.RunHours, 3), null, "h", Quality.Good, now));
            readings.Add(new Reading(GatewayDevice.Id, $"asset.{tracker.Asset.Id}.starts", tracker.Starts, null, "", Quality.Good, now));
        }
        if (readings.Count > 0)
            changes.Readings.Add(new ReadingBatch(GatewayDevice.Id, _config.Gateway.Id, now, readings));
    }

    /// <summary>Saves the usage counters now (on a clean stop).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_loaded)
                return;
            var changes = new Changes();
            SaveUsage(changes);
            await CommitAsync(changes, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The tasks of an asset's maintenance plan: when each is next due (null until first planned) and its ticket while
    /// one is open (not yet resolved).
    /// </summary>
    public IReadOnlyList<(MaintenanceTask Task, MaintenanceDue? Next, Ticket? Open)> MaintenancePlan(string assetId) =>
        _usage.FirstOrDefault(t => t.Asset.Id == assetId) is { } tracker
            ? [.. tracker.Asset.Maintenance.Select(task => (task, tracker.Due.GetValueOrDefault(task.Task), OpenTicketOf(tracker, task)))]
            : [];

    /// <summary>The task's maintenance ticket while it is open (not yet resolved).</summary>
    private Ticket? OpenTicketOf(UsageTracker tracker, MaintenanceTask task) =>
        OpenTickets.FirstOrDefault(t => t.RuleId == tracker.RuleIdOf(task) && t.State is not (TicketState.Resolved or TicketState.Closed));

    /// <summary>Run hours and starts of an asset with a run signal or a calendar plan.</summary>
    public (double RunHours, long Starts)? Usage(string assetId) =>
        _usage.FirstOrDefault(t => t.Asset.Id == assetId) is { } tracker ? (tracker.RunHours, tracker.Starts) : null;
}
