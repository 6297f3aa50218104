using System.Text.Json;
using FacilityGateway.Configuration;
using FacilityGateway.Maintenance;
using FacilityGateway.Outbox;
using FacilityGateway.Readings;
using FacilityGateway.Tickets;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Alarms;

/// <summary>
/// Evaluates every rule on every reading, keeps the ISA-18.2 state of each alarm, and opens one ticket per alarm
/// occurrence. Each change of alarm state, its ticket and its notification commit in one outbox transaction, so a crash
/// at any point neither loses nor duplicates a ticket. A device's communication loss raises one alarm and suppresses that
/// device's value alarms, so one fault gives one ticket. It also counts each asset's run hours and starts and opens the
/// maintenance tickets of the asset's plan, and holds P2-P4 notifications for a digest during a flood.
/// </summary>
public sealed partial class AlarmEngine : IReadingConsumer, IDisposable
{
    /// <summary>A recurrence within this time after a ticket was resolved reopens it instead of opening a new one.</summary>
    public static readonly TimeSpan ReopenWindow = TimeSpan.FromHours(1);

    private readonly GatewayConfig _config;
    private readonly OutboxService _outbox;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<(string Device, string Point), List<IAlarmEvaluator>> _byPoint = [];
    private readonly Dictionary<string, IAlarmEvaluator> _byRule = new(StringComparer.Ordinal);
    private readonly List<IAlarmEvaluator> _clocked = [];
    private readonly List<UsageTracker> _usage = [];
    private readonly Dictionary<(string Device, string Point), List<UsageTracker>> _usageByPoint = [];
    private readonly NotificationFlood _flood;
    private readonly Dictionary<(string Device, string Point), List<IAlarmEvaluator>> _gated = [];
    private readonly Dictionary<PointRef, bool> _gates = []; // only_when points seen, and whether they are on
    private long _usageSavedAt;
    private readonly Dictionary<string, AlarmState> _states = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Ticket> _tickets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AssetOptions> _assets;
    private readonly OnCallRota _rota;
    /// <summary>
    /// Moments of the stored wall-clock times that timers count from or to (a ticket opened or resolved, a shelve's end),
    /// as monotonic timestamps, taken when they are recorded or loaded: a later wall-clock step (NTP) moves none of them.
    /// </summary>
    private readonly Dictionary<string, long> _marks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<long>> _activations = new(StringComparer.Ordinal); // monotonic, for chatter
    private readonly Dictionary<string, long> _acknowledgedAt = new(StringComparer.Ordinal); // monotonic, for re-alarm
    private readonly TimeSpan _followUp;

    /// <summary>This many activations within <see cref="ChatterWindow"/> make an alarm chatter.</summary>
    public const int ChatterActivations = 3;

    /// <summary>The window of chatter detection.</summary>
    public static readonly TimeSpan ChatterWindow = TimeSpan.FromMinutes(1);

    /// <summary>Run hours and starts are saved at least this often: a power cut loses at most this much of them.</summary>
    public static readonly TimeSpan UsageSaveEvery = TimeSpan.FromMinutes(1);
    private bool _loaded;

    public AlarmEngine(GatewayConfig config, OutboxService outbox, TimeProvider time, ILogger<AlarmEngine> logger)
    {
        _config = config;
        _outbox = outbox;
        _time = time;
        _logger = logger;
        _assets = config.Assets.ToDictionary(a => a.Id, StringComparer.Ordinal);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(config.Gateway.TimeZone);
        _rota = new OnCallRota(config.OnCall, zone);
        _followUp = config.OnCall.FollowUp;
        _flood = new NotificationFlood(config.OnCall.Flood, config.Gateway.Site, time);
        _usageSavedAt = time.GetTimestamp();
        var evaluators = config.Devices.Where(d => d.Enabled)
            .SelectMany(d => d.AlarmRules.Append(AlarmRule.CommLoss(d.Id, d.Asset)))
            .Select(rule => (IAlarmEvaluator)new RuleEvaluator(rule, time))
            .Concat(config.Assets.SelectMany(a => a.EquipmentRules).SelectMany(r => r.CreateEvaluators(time, zone)));
        foreach (var evaluator in evaluators)
        {
            _byRule[evaluator.Rule.Id] = evaluator;
            if (evaluator.Clocked)
                _clocked.Add(evaluator);
            foreach (var input in evaluator.Inputs)
                Route(_byPoint, input, evaluator);
            if (evaluator.Rule.OnlyWhen is { } gate)
                Route(_gated, gate, evaluator);
        }
        foreach (var asset in config.Assets.Where(a => a.RunningPoint is not null || a.Maintenance.Any(t => t.Every is not null)))
        {
            var tracker = new UsageTracker(asset, time);
            _usage.Add(tracker);
            if (asset.RunningPoint is { } running)
                Route(_usageByPoint, running, tracker);
        }
    }

    private static void Route<T>(Dictionary<(string, string), List<T>> routes, PointRef point, T target)
    {
        if (!routes.TryGetValue((point.Device, point.Point), out var list))
            routes[(point.Device, point.Point)] = list = [];
        list.Add(target);
    }

    /// <summary>Tickets not closed, newest first.</summary>
    public IReadOnlyList<Ticket> OpenTickets
    {
        get
        {
            lock (_tickets)
                return [.. _tickets.Values.Where(t => t.State != TicketState.Closed).OrderByDescending(t => t.LastAt)];
        }
    }

    /// <summary>The state of an alarm, if it was ever raised.</summary>
    public AlarmState? State(string ruleId) => _states.GetValueOrDefault(ruleId);

    public async ValueTask ConsumeAsync(ReadingBatch batch, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
            var changes = new Changes();
            List<UsageTracker>? counted = null;
            foreach (var reading in batch.Readings)
            {
                if (_usageByPoint.Count > 0 && _usageByPoint.TryGetValue((reading.DeviceId, reading.PointId), out var trackers))
                {
                    foreach (var tracker in trackers)
                        tracker.Update(reading);
                    (counted ??= []).AddRange(trackers);
                }
                if (_gated.Count > 0 && _gated.ContainsKey((reading.DeviceId, reading.PointId)) && !reading.Quality.IsBad())
                {
                    var gate = new PointRef(reading.DeviceId, reading.PointId);
                    bool on = reading.Value != 0 && !double.IsNaN(reading.Value);
                    if (!_gates.TryGetValue(gate, out bool was) || was != on)
                    {
                        _gates[gate] = on;
                        Gate(gate, on, changes);
                    }
                }
                if (!_byPoint.TryGetValue((reading.DeviceId, reading.PointId), out var evaluators))
                    continue;
                foreach (var evaluator in evaluators)
                {
                    if (evaluator.Rule.OnlyWhen is { } only && !_gates.GetValueOrDefault(only))
                        continue; // suppressed by design: not evaluated
                    Apply(evaluator, evaluator.Evaluate(reading), changes);
                }
            }
            if (counted is not null)
                PlanMaintenance(counted, changes);
            await CommitAsync(changes, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The clock's part, every second or so: stale rules, and escalation of unacknowledged tickets along the rota
    /// (P1: secondary after 10 min, supervisor after 20). Escalation runs on monotonic time: a wall-clock step changes nothing.
    /// </summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
            var changes = new Changes();
            var now = _time.GetUtcNow();
            foreach (var evaluator in _clocked)
                if (evaluator.Rule.OnlyWhen is not { } only || _gates.GetValueOrDefault(only))
                    Apply(evaluator, evaluator.Check(), changes);
            foreach (var expired in _states.Values.Where(s => s.ShelvedUntil is not null && Since($"shelved:{s.RuleId}") >= TimeSpan.Zero).ToList())
                Release(StateOf(expired.RuleId, changes) with { ShelvedUntil = null, ShelveReason = null }, "when its shelve expired", changes);
            long monotonic = _time.GetTimestamp();
            PlanMaintenance(_usage, changes);
            if (_time.GetElapsedTime(_usageSavedAt, monotonic) >= UsageSaveEvery)
                SaveUsage(changes);
            if (_flood.TakeDigest() is { } digest)
            {
                changes.Digest = digest;
                LogDigest(digest.Digest.Items.Count, digest.Digest.Key);
            }
            foreach (var ticket in OpenTickets.Where(t => t.State == TicketState.Open))
            {
                int next = ticket.EscalationLevel + 1;
                if (_rota.EscalateAfter(ticket.Priority, next) is not { } after || Since($"opened:{ticket.Id}") < after)
                    continue;
                string? who = _rota.Who(next, now);
                changes.Put(ticket with
                {
                    EscalationLevel = next,
                    AssignedTo = who ?? ticket.AssignedTo,
                    Revision = ticket.Revision + 1,
                    Audit = [.. ticket.Audit, new TicketAuditEntry(now, "escalated", "gateway", $"not acknowledged after {after.TotalMinutes:0} min; paging {who ?? "nobody (no one on the rota)"}")],
                }, "escalated");
            }
            foreach (var (ruleId, acknowledged) in _acknowledgedAt.ToList())
            {
                if (!_byRule.TryGetValue(ruleId, out var evaluator) || evaluator.Rule.RealarmAfter is not { } realarm
                    || _states.GetValueOrDefault(ruleId) is not { Condition: AlarmCondition.ActiveAcknowledged, TicketId: { } ticketId } state
                    || _time.GetElapsedTime(acknowledged, monotonic) < realarm || changes.Current(_tickets.GetValueOrDefault(ticketId)) is not { } acked)
                    continue;
                _acknowledgedAt.Remove(ruleId);
                changes.Put(state with { Condition = AlarmCondition.ActiveUnacknowledged });
                changes.Put(acked with
                {
                    State = TicketState.Open,
                    Revision = acked.Revision + 1,
                    Audit = [.. acked.Audit, new TicketAuditEntry(now, "realarm", "gateway", $"still active {realarm.TotalMinutes:0} min after the acknowledgement")],
                }, "realarm");
            }
            foreach (var ticket in OpenTickets.Where(t => t.State == TicketState.Resolved && Since($"resolved:{t.Id}") >= _followUp))
            {
                if (_states.GetValueOrDefault(ticket.RuleId)?.IsActive == true)
                    continue; // not normal through the follow-up: stays resolved until it is
                changes.Put(ticket with { State = TicketState.Closed, Revision = ticket.Revision + 1, Audit = [.. ticket.Audit, new TicketAuditEntry(now, "closed", "gateway", "normal through the follow-up window")] }, "closed");
            }
            await CommitAsync(changes, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Applies a technician's action (ack, resolve, shelve, unshelve, reset) and records who, when and why.</summary>
    public async Task<bool> ExecuteAsync(TicketCommand command, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
            if (!_tickets.TryGetValue(command.Ticket, out var ticket))
                return false;
            var now = _time.GetUtcNow();
            var changes = new Changes();
            var state = _states.GetValueOrDefault(ticket.RuleId) ?? new AlarmState { RuleId = ticket.RuleId };
            var audit = new TicketAuditEntry(now, command.Action, command.By, command.Note);
            bool released = false;
            switch (command.Action)
            {
                case "ack":
                    if (ticket.State == TicketState.Open)
                        ticket = ticket with { State = TicketState.Acknowledged };
                    _acknowledgedAt[ticket.RuleId] = _time.GetTimestamp();
                    state = state with { Condition = state.Condition switch { AlarmCondition.ActiveUnacknowledged => AlarmCondition.ActiveAcknowledged, AlarmCondition.ReturnedUnacknowledged => AlarmCondition.Normal, var c => c } };
                    break;
                case "start":
                    ticket = ticket with { State = TicketState.InProgress };
                    break;
                case "resolve":
                    ticket = ticket with { State = TicketState.Resolved, ResolvedAt = now };
                    Mark($"resolved:{ticket.Id}", now);
                    if (ticket.RuleId.EndsWith("/chatter", StringComparison.Ordinal) && _states.TryGetValue(ticket.RuleId[..^"/chatter".Length], out var chattering))
                    {
                        changes.Put(chattering with { Chattering = false });
                        _activations.Remove(chattering.RuleId);
                    }
                    break;
                case "shelve":
                    var duration = command.Duration ?? TimeSpan.FromHours(1);
                    if (command.Note is null || duration > TimeSpan.FromHours(24))
                        return false; // shelving needs a reason and expires within 24 h
                    state = state with { ShelvedUntil = now + duration, ShelveReason = command.Note };
                    Mark($"shelved:{state.RuleId}", now + duration);
                    break;
                case "unshelve":
                    state = state with { ShelvedUntil = null, ShelveReason = null };
                    released = true;
                    break;
                case "out_of_service":
                    if (command.Note is null)
                        return false; // out of service needs a reason
                    state = state with { OutOfServiceReason = command.Note };
                    break;
                case "in_service":
                    state = state with { OutOfServiceReason = null };
                    released = true;
                    break;
                case "reset": // a latched alarm whose condition has gone
                    if (_byRule.TryGetValue(ticket.RuleId, out var evaluator))
                        evaluator.Restore(false);
                    state = state with { Condition = AlarmCondition.Normal };
                    ticket = ticket with { ConditionActive = false };
                    break;
                default:
                    return false;
            }
            ticket = ticket with { Revision = ticket.Revision + 1, Audit = [.. ticket.Audit, audit] };
            changes.Put(state);
            changes.Put(ticket, command.Action);
            if (released)
                Release(state, command.Action == "unshelve" ? "when its shelve was ended" : "when it was returned to service", changes);
            await CommitAsync(changes, cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Apply(IAlarmEvaluator evaluator, RuleTransition transition, Changes changes)
    {
        switch (transition)
        {
            case RuleTransition.Activated: Activate(evaluator.Rule, evaluator.Value, changes); break;
            case RuleTransition.Cleared: Clear(evaluator.Rule, changes); break;
        }
    }

    /// <summary>Records the monotonic moment of a wall-clock time, relative to the wall clock now.</summary>
    private void Mark(string key, DateTimeOffset wall) =>
        _marks[key] = _time.GetTimestamp() + (long)((wall - _time.GetUtcNow()).TotalSeconds * _time.TimestampFrequency);

    /// <summary>Monotonic time since a marked moment (negative before it); very long for an unknown mark.</summary>
    private TimeSpan Since(string key) =>
        _marks.TryGetValue(key, out long mark) ? _time.GetElapsedTime(mark) : TimeSpan.MaxValue;

    /// <summary>The state of an alarm as this evaluation has it: changed in it, or as committed.</summary>
    private AlarmState StateOf(string ruleId, Changes changes) =>
        changes.States.GetValueOrDefault(ruleId) ?? _states.GetValueOrDefault(ruleId) ?? new AlarmState { RuleId = ruleId };

    /// <summary>
    /// An alarm leaves a silenced state (a shelve expired or ended, back in service): if it is still active it notifies
    /// again, with a <c>realarm</c> event on its open ticket or, when it became active while silenced, a new ticket.
    /// </summary>
    private void Release(AlarmState state, string why, Changes changes)
    {
        changes.Put(state);
        var now = _time.GetUtcNow();
        if (!_byRule.TryGetValue(state.RuleId, out var evaluator) || !evaluator.Active || state.IsSilenced)
            return;
        var ticket = changes.Current(state.TicketId is { } id ? _tickets.GetValueOrDefault(id) : null);
        if (ticket is not null && ticket.State is not (TicketState.Resolved or TicketState.Closed) && ticket.ConditionActive)
        {
            changes.Put(state with { Condition = AlarmCondition.ActiveUnacknowledged });
            changes.Put(ticket with
            {
                State = TicketState.Open,
                LastAt = now,
                Revision = ticket.Revision + 1,
                Audit = [.. ticket.Audit, new TicketAuditEntry(now, "realarm", "gateway", $"still active {why}")],
            }, "realarm");
            LogTicket(ticket.Id, "realarm", ticket.Priority, ticket.Asset.Name, ticket.Message);
            return;
        }
        Activate(evaluator.Rule, evaluator.Value, changes, countChatter: false);
    }

    /// <summary>
    /// The <c>only_when</c> point of some rules changed: off suppresses them by design (an active one returns to normal,
    /// quietly), on lets them be evaluated afresh, with their on-delay.
    /// </summary>
    private void Gate(PointRef gate, bool open, Changes changes)
    {
        foreach (var evaluator in _gated[(gate.Device, gate.Point)])
        {
            if (!open && evaluator.Active)
                Clear(evaluator.Rule, changes, force: true);
            evaluator.Restore(false);
            changes.Put(StateOf(evaluator.Rule.Id, changes) with { SuppressedByDesign = !open });
        }
    }

    private void Activate(AlarmRule rule, double? value, Changes changes, bool countChatter = true)
    {
        var now = _time.GetUtcNow();
        var state = StateOf(rule.Id, changes);
        bool commLoss = rule.Id == AlarmRule.CommLossId(rule.DeviceId);
        bool deviceDown = !commLoss && StateOf(AlarmRule.CommLossId(rule.DeviceId), changes).IsActive;
        state = state with { Condition = AlarmCondition.ActiveUnacknowledged, ActivatedAt = now, Suppressed = deviceDown };
        if (commLoss)
            SuppressDevice(rule.DeviceId, true, changes);
        if (!commLoss && countChatter && !state.Chattering && IsChattering(rule.Id))
        {
            state = state with { Chattering = true };
            OpenInstrumentTicket(rule, value, now, changes);
        }
        if (state.IsSilenced)
        {
            changes.Put(state);
            return;
        }
        Ticket ticket;
        string name;
        if (state.TicketId is { } id && _tickets.TryGetValue(id, out var previous) && previous.State != TicketState.Closed
            && (previous.State != TicketState.Resolved || Since($"resolved:{previous.Id}") < ReopenWindow))
        {
            ticket = previous with
            {
                Occurrences = previous.Occurrences + 1,
                LastAt = now,
                Value = value,
                ConditionActive = true,
                State = previous.State == TicketState.Resolved ? TicketState.Open : previous.State,
                Revision = previous.Revision + 1,
                Audit = [.. previous.Audit, new TicketAuditEntry(now, "recurred", "gateway", null)],
            };
            name = "recurred";
        }
        else
        {
            ticket = NewTicket(rule, value, now);
            name = "opened";
        }
        LogTicket(ticket.Id, name, ticket.Priority, ticket.Asset.Name, ticket.Message);
        changes.Put(state with { TicketId = ticket.Id });
        changes.Put(ticket, name);
    }

    /// <summary>Counts this activation; true when there were <see cref="ChatterActivations"/> within the window.</summary>
    private bool IsChattering(string ruleId)
    {
        long now = _time.GetTimestamp();
        if (!_activations.TryGetValue(ruleId, out var recent))
            _activations[ruleId] = recent = new Queue<long>();
        recent.Enqueue(now);
        while (recent.Count > 0 && _time.GetElapsedTime(recent.Peek(), now) > ChatterWindow)
            recent.Dequeue();
        return recent.Count >= ChatterActivations;
    }

    /// <summary>One low-priority ticket asking for the instrument to be checked; the chattering alarm stops paging.</summary>
    private void OpenInstrumentTicket(AlarmRule rule, double? value, DateTimeOffset now, Changes changes)
    {
        var chatter = rule with
        {
            Id = $"{rule.Id}/chatter",
            Priority = AlarmPriority.P4,
            Message = $"Instrument check: '{rule.Message}' raised {ChatterActivations}+ times within a minute; it no longer pages until this ticket is resolved",
        };
        if (OpenTickets.Any(t => t.RuleId == chatter.Id))
            return;
        var ticket = NewTicket(chatter, value, now);
        changes.Put(ticket, "opened");
        LogTicket(ticket.Id, "opened", ticket.Priority, ticket.Asset.Name, ticket.Message);
    }

    private void Clear(AlarmRule rule, Changes changes, bool force = false)
    {
        if (rule.Latched && !force)
            return; // stays active until a technician resets it
        var state = StateOf(rule.Id, changes);
        state = state with
        {
            Condition = state.Condition == AlarmCondition.ActiveAcknowledged ? AlarmCondition.Normal : AlarmCondition.ReturnedUnacknowledged,
        };
        if (rule.Id == AlarmRule.CommLossId(rule.DeviceId))
            SuppressDevice(rule.DeviceId, false, changes);
        changes.Put(state);
        if (changes.Current(state.TicketId is { } id ? _tickets.GetValueOrDefault(id) : null) is { ConditionActive: true } ticket && !state.Suppressed)
        {
            var now = _time.GetUtcNow();
            changes.Put(ticket with { ConditionActive = false, LastAt = now, Revision = ticket.Revision + 1, Audit = [.. ticket.Audit, new TicketAuditEntry(now, "cleared", "gateway", null)] }, "cleared");
        }
    }

    /// <summary>Comm loss suppresses (or releases) every value alarm of the device.</summary>
    private void SuppressDevice(string deviceId, bool suppressed, Changes changes)
    {
        foreach (var evaluator in _byRule.Values.Where(e => e.Rule.DeviceId == deviceId && e.Rule.Id != AlarmRule.CommLossId(deviceId)))
        {
            var state = StateOf(evaluator.Rule.Id, changes);
            if (state.Suppressed != suppressed)
                changes.Put(state with { Suppressed = suppressed });
        }
    }

    private Ticket NewTicket(AlarmRule rule, double? value, DateTimeOffset now)
    {
        var asset = _assets.GetValueOrDefault(rule.AssetId);
        string id = $"T-{now:yyyyMMdd-HHmmss}-{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(2)).ToLowerInvariant()}";
        Mark($"opened:{id}", now); // escalation counts on monotonic time
        return new Ticket
        {
            Id = id,
            Site = _config.Gateway.Site,
            Asset = new TicketAsset(rule.AssetId, asset?.Name ?? rule.AssetId, asset?.Model, asset?.Location.ToString(), asset?.Installed, asset?.Team, asset?.Contact),
            RuleId = rule.Id,
            DeviceId = rule.DeviceId,
            PointId = rule.PointId,
            Priority = rule.Priority,
            Message = rule.Message,
            Value = value,
            Limit = rule.Type is AlarmRuleType.Stale ? null : rule.Limit,
            Unit = rule.Unit,
            FirstAt = now,
            LastAt = now,
            RespondBy = ResponseTargets.DueBy(rule.Priority, now),
            AssignedTo = _rota.Who(0, now),
            Audit = [new TicketAuditEntry(now, "opened", "gateway", null)],
        };
    }

    /// <summary>Tasks of the plans that came due: a P4 maintenance ticket each, committed with the due points that follow.</summary>
    private void PlanMaintenance(IEnumerable<UsageTracker> trackers, Changes changes)
    {
        var now = _time.GetUtcNow();
        foreach (var tracker in trackers.Distinct())
        {
            var (due, next) = tracker.Plan(now);
            if (due.Count == 0 && next.Due == tracker.Snapshot().Due)
                continue;
            changes.Usage[tracker] = next;
            foreach (var task in due)
                OpenMaintenanceTicket(tracker, task, now, changes);
        }
    }

    private void OpenMaintenanceTicket(UsageTracker tracker, DueTask task, DateTimeOffset now, Changes changes)
    {
        var asset = tracker.Asset;
        string slug = new([.. task.Task.Task.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]);
        var running = asset.RunningPoint;
        var rule = new AlarmRule($"{asset.Id}/maintenance/{slug}", running?.Device ?? "", running?.Point ?? "", asset.Id, AlarmRuleType.Maintenance,
            task.Task.EveryRunHours ?? task.Task.EveryStarts ?? 0, 0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, false, AlarmPriority.P4,
            $"Maintenance due: {task.Task.Task} ({task.Reason})", task.Task.EveryRunHours is not null ? "h" : task.Task.EveryStarts is not null ? "starts" : "");
        double? value = task.Task.EveryRunHours is not null ? Math.Round(tracker.RunHours, 1) : task.Task.EveryStarts is not null ? tracker.Starts : null;
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
            readings.Add(new Reading(OutboxService.GatewayDeviceId, $"asset.{tracker.Asset.Id}.run_hours", Math.Round(tracker.RunHours, 3), null, "h", Quality.Good, now));
            readings.Add(new Reading(OutboxService.GatewayDeviceId, $"asset.{tracker.Asset.Id}.starts", tracker.Starts, null, "", Quality.Good, now));
        }
        if (readings.Count > 0)
            changes.Readings.Add(new ReadingBatch(OutboxService.GatewayDeviceId, _config.Gateway.Id, now, readings));
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

    /// <summary>Run hours and starts of an asset with a run signal or a calendar plan.</summary>
    public (double RunHours, long Starts)? Usage(string assetId) =>
        _usage.FirstOrDefault(t => t.Asset.Id == assetId) is { } tracker ? (tracker.RunHours, tracker.Starts) : null;

    private async Task EnsureLoadedAsync(CancellationToken cancellationToken)
    {
        if (_loaded)
            return;
        await _outbox.Opened.WaitAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (_, json) in await _outbox.Outbox.LoadStateAsync("alarm", cancellationToken).ConfigureAwait(false))
        {
            var state = JsonSerializer.Deserialize<AlarmState>(json, TicketEvent.Json)!;
            _states[state.RuleId] = state;
            if (_byRule.TryGetValue(state.RuleId, out var evaluator))
                evaluator.Restore(state.IsActive); // raised and notified before the restart: stays silent
        }
        foreach (var (key, json) in await _outbox.Outbox.LoadStateAsync("usage", cancellationToken).ConfigureAwait(false))
            _usage.FirstOrDefault(t => t.Asset.Id == key)?.Restore(JsonSerializer.Deserialize<UsageState>(json, TicketEvent.Json)!);
        foreach (var (_, json) in await _outbox.Outbox.LoadStateAsync("flood", cancellationToken).ConfigureAwait(false))
            _flood.Restore(JsonSerializer.Deserialize<DigestState>(json, TicketEvent.Json)!);
        foreach (var (_, json) in await _outbox.Outbox.LoadStateAsync("ticket", cancellationToken).ConfigureAwait(false))
        {
            var ticket = JsonSerializer.Deserialize<Ticket>(json, TicketEvent.Json)!;
            lock (_tickets)
                _tickets[ticket.Id] = ticket;
            // After a restart the monotonic clock starts again: map the stored times once, now.
            Mark($"opened:{ticket.Id}", ticket.FirstAt);
            if (ticket.ResolvedAt is { } resolved)
                Mark($"resolved:{ticket.Id}", resolved);
        }
        foreach (var state in _states.Values)
            if (state.ShelvedUntil is { } until)
                Mark($"shelved:{state.RuleId}", until);
        _loaded = true;
    }

    /// <summary>State rows and notifications of one evaluation, committed together.</summary>
    private sealed class Changes
    {
        public Dictionary<string, AlarmState> States { get; } = new(StringComparer.Ordinal);

        /// <summary>Each ticket changed, with every version of it that is an event, in order.</summary>
        public Dictionary<string, List<(Ticket Ticket, string Event)>> Tickets { get; } = new(StringComparer.Ordinal);

        public Dictionary<UsageTracker, UsageState> Usage { get; } = [];

        public List<ReadingBatch> Readings { get; } = [];

        public (TicketDigest Digest, DigestState Next)? Digest { get; set; }

        public bool IsEmpty => States.Count == 0 && Tickets.Count == 0 && Usage.Count == 0 && Readings.Count == 0 && Digest is null;

        public void Put(AlarmState state) => States[state.RuleId] = state;

        public void Put(Ticket ticket, string @event)
        {
            if (!Tickets.TryGetValue(ticket.Id, out var versions))
                Tickets[ticket.Id] = versions = [];
            versions.Add((ticket, @event));
        }

        /// <summary>The newest version of a ticket: changed in this evaluation, or as committed.</summary>
        public Ticket? Current(Ticket? committed) =>
            committed is not null && Tickets.TryGetValue(committed.Id, out var versions) ? versions[^1].Ticket : committed;
    }

    private async Task CommitAsync(Changes changes, CancellationToken cancellationToken)
    {
        if (changes.IsEmpty)
            return;
        var events = changes.Tickets.Values.SelectMany(v => v).ToList();
        var (held, flood) = _flood.Plan(events, changes.Digest?.Next);
        var rows = new List<(string, string, string)>();
        rows.AddRange(changes.States.Values.Select(s => ("alarm", s.RuleId, JsonSerializer.Serialize(s, TicketEvent.Json))));
        rows.AddRange(changes.Tickets.Values.Select(v => ("ticket", v[^1].Ticket.Id, JsonSerializer.Serialize(v[^1].Ticket, TicketEvent.Json))));
        rows.AddRange(changes.Usage.Values.Select(u => ("usage", u.AssetId, JsonSerializer.Serialize(u, TicketEvent.Json))));
        if (flood is not null)
            rows.Add(("flood", "digest", JsonSerializer.Serialize(flood, TicketEvent.Json)));
        var records = new List<(OutboxRecordKind, byte[])>();
        if (changes.Digest is { } digest)
            records.Add((OutboxRecordKind.TicketDigest, digest.Digest.Encode()));
        records.AddRange(events.Select((e, i) => (OutboxRecordKind.TicketEvent, TicketEvent.Of(e.Event, e.Ticket, held[i]).Encode())));
        records.AddRange(changes.Readings.Select(b => (OutboxRecordKind.Readings, ReadingBatchCodec.Encode(b))));
        await _outbox.Outbox.TransactAsync(rows, records, cancellationToken).ConfigureAwait(false);
        // Only after the commit does memory follow: a failed commit leaves the old state to be tried again.
        foreach (var state in changes.States.Values)
            _states[state.RuleId] = state;
        lock (_tickets)
            foreach (var versions in changes.Tickets.Values)
                _tickets[versions[^1].Ticket.Id] = versions[^1].Ticket;
        foreach (var (tracker, usage) in changes.Usage)
            tracker.Saved(usage);
        if (flood is not null)
            _flood.Apply(flood);
    }

    public void Dispose() => _gate.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification flood: {Count} notifications sent as digest {Key}")]
    private partial void LogDigest(int count, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ticket {TicketId} {Event}: {Priority} {Asset}: {Message}")]
    private partial void LogTicket(string ticketId, string @event, AlarmPriority priority, string asset, string message);
}
