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

    /// <summary>The P4 ticket of a task of the plan, opened by the desk from maintenance's cause.</summary>
    private Ticket MaintenanceTicket(UsageTracker tracker, MaintenanceTask task, string message, DateTimeOffset now)
    {
        var running = _rules.RunningPointOf(tracker.Asset.Id);
        return _desk.Open(MaintenanceTickets.Cause(tracker, task, message, running?.Device, running?.Point), now);
    }

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
            var ticket = MaintenanceTicket(tracker, planned, _texts.MaintenanceDone(planned.Task), now);
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

    /// <summary>Why a task is due, each interval that came due, in the site's words.</summary>
    private string ReasonsOf(DueTask task) => _texts.Join(task.Reasons.Select(r =>
        r.RunHours is { } hours ? _texts.RunHoursReason(hours, r.EveryRunHours ?? 0)
        : r.Starts is { } starts ? _texts.StartsReason(starts, r.EveryStarts ?? 0)
        : _texts.CalendarReason(r.Every ?? TimeSpan.Zero)));

    private void OpenMaintenanceTicket(UsageTracker tracker, DueTask task, DateTimeOffset now, Changes changes)
    {
        var asset = tracker.Asset;
        string message = _texts.MaintenanceCameDue(task.Task.Task, ReasonsOf(task));
        double? value = MaintenanceTickets.CounterOf(tracker, task.Task);
        var open = changes.Current(OpenTickets.FirstOrDefault(t => t.RuleId == tracker.RuleIdOf(task.Task) && t.State != TicketState.Resolved));
        Ticket ticket;
        if (open is not null)
        {
            // Not done since it last came due: the same ticket counts another occurrence.
            ticket = open with { Occurrences = open.Occurrences + 1, LastAt = now, Value = value, Message = message, Revision = open.Revision + 1,
                Audit = [.. open.Audit, new TicketAuditEntry(now, "maintenance_due", "gateway", _texts.DueAgain(ReasonsOf(task)))] };
        }
        else
        {
            ticket = MaintenanceTicket(tracker, task.Task, message, now) with { ConditionActive = false };
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
            return new TicketAuditEntry(now, "maintenance_done", "gateway", MaintenanceTickets.DoneNote(tracker, task, next, _zone));
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
            readings.AddRange(MaintenanceTickets.UsageReadings(tracker, now));
        }
        if (readings.Count > 0)
            changes.Readings.Add(new ReadingBatch(GatewayDevice.Id, _plan.Gateway.Id, now, readings));
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
