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
    public static readonly TimeSpan ReopenWindow = TicketDesk.ReopenWindow;

    private readonly AlarmEnginePlan _plan;
    private readonly AlarmRuleSet _rules;
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
    /// <summary>What each point read feeds, looked up in the three maps above once per point and then kept by slot.</summary>
    private readonly PointSlots _slots = new();
    private SlotArray<PointRoute> _routes;

    private readonly record struct PointRoute(bool Known, List<IAlarmEvaluator>? Evaluators, List<UsageTracker>? Trackers, bool Gate);
    private long _usageSavedAt;
    private readonly Dictionary<string, AlarmState> _states = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Ticket> _tickets = new(StringComparer.Ordinal);

    /// <summary>Tickets held in memory (the open, acknowledged and resolved ones; closed ones live on disk only).</summary>
    internal int TicketsInMemory
    {
        get
        {
            lock (_tickets)
                return _tickets.Count;
        }
    }
    private readonly Dictionary<string, AssetOptions> _assets;
    /// <summary>The ticket desk: what a ticket becomes at each step of the manual's flow.</summary>
    private readonly TicketDesk _desk;
    /// <summary>
    /// Moments of the stored wall-clock times that timers count from or to (a ticket opened or resolved, a shelve's end),
    /// as monotonic timestamps, taken when they are recorded or loaded: a later wall-clock step (NTP) moves none of them.
    /// </summary>
    private readonly MonotonicMarks _marks;
    private readonly Dictionary<string, Queue<long>> _activations = new(StringComparer.Ordinal); // monotonic, for chatter
    private readonly Dictionary<string, long> _acknowledgedAt = new(StringComparer.Ordinal); // monotonic, for re-alarm
    private readonly TimeZoneInfo _zone;
    /// <summary>What the engine writes itself on tickets, in the site's language.</summary>
    private readonly TicketTexts _texts;

    /// <summary>This many activations within <see cref="ChatterWindow"/> make an alarm chatter.</summary>
    public const int ChatterActivations = 3;

    /// <summary>The window of chatter detection.</summary>
    public static readonly TimeSpan ChatterWindow = TimeSpan.FromMinutes(1);

    /// <summary>Run hours and starts are saved at least this often: a power cut loses at most this much of them.</summary>
    public static readonly TimeSpan UsageSaveEvery = TimeSpan.FromMinutes(1);
    private bool _loaded;

    public AlarmEngine(AlarmEnginePlan plan, OutboxService outbox, TimeProvider time, ILogger<AlarmEngine> logger)
    {
        ArgumentNullException.ThrowIfNull(plan);
        _plan = plan;
        _outbox = outbox;
        _time = time;
        _logger = logger;
        _assets = plan.Assets.DistinctBy(a => a.Id).ToDictionary(a => a.Id, StringComparer.Ordinal);
        var zone = _zone = TimeZoneInfo.FindSystemTimeZoneById(plan.Gateway.TimeZone);
        var texts = _texts = TicketTexts.For(plan.Gateway.Language, zone);
        _marks = new MonotonicMarks(time);
        _desk = new TicketDesk(plan.Gateway.Site, plan.Assets, plan.OnCall, zone, _marks);
        _flood = new NotificationFlood(plan.OnCall.Flood, plan.Gateway.Site, time);
        _usageSavedAt = time.GetTimestamp();
        var rules = _rules = plan.Rules;
        var evaluators = plan.Devices
            .SelectMany(d => rules.PointRulesOf(d.Id).Append(AlarmRule.CommLoss(d.Id, d.Asset, texts)))
            .Select(rule => (IAlarmEvaluator)new RuleEvaluator(rule, time))
            .Concat(plan.Assets.SelectMany(a => rules.EquipmentRulesOf(a.Id)).SelectMany(r => r.CreateEvaluators(time, zone)));
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
        foreach (var asset in plan.Assets.Where(a => rules.RunningPointOf(a.Id) is not null || a.Maintenance.Any(t => t.Every is not null)))
        {
            var tracker = new UsageTracker(asset, time, zone);
            _usage.Add(tracker);
            if (rules.RunningPointOf(asset.Id) is { } running)
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

    /// <summary>Alarms by condition and open tickets by priority, for <c>/metrics</c>: safe from any thread.</summary>
    public (IReadOnlyDictionary<AlarmCondition, int> Alarms, IReadOnlyDictionary<AlarmPriority, int> OpenTickets) Counts()
    {
        Dictionary<AlarmCondition, int> alarms;
        lock (_states)
            alarms = _states.Values.GroupBy(s => s.Condition).ToDictionary(g => g.Key, g => g.Count());
        Dictionary<AlarmPriority, int> tickets;
        lock (_tickets)
            tickets = _tickets.Values.Where(t => t.State is not (TicketState.Resolved or TicketState.Closed)).GroupBy(t => t.Priority).ToDictionary(g => g.Key, g => g.Count());
        return (alarms, tickets);
    }

    /// <summary>
    /// The alarms of a point that are active or latched now, for interlocks (no pump start while a leak alarm of its room
    /// is active): safe from any thread.
    /// </summary>
    public IReadOnlyList<string> ActiveOn(string deviceId, string pointId)
    {
        if (!_byPoint.TryGetValue((deviceId, pointId), out var evaluators))
            return [];
        lock (_states)
            return [.. evaluators.Where(e => (_states.GetValueOrDefault(e.Rule.Id)?.IsActive ?? false) || e.Active).Select(e => e.Rule.Message)];
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
            var device = _slots.Of(batch.DeviceId);
            var readings = batch.Readings;
            for (int i = 0; i < readings.Count; i++)
            {
                var reading = readings[i];
                var route = RouteOf(device.SlotOf(i, reading), reading);
                if (route.Trackers is { } trackers)
                {
                    foreach (var tracker in trackers)
                        tracker.Update(reading);
                    (counted ??= []).AddRange(trackers);
                }
                if (route.Gate && !reading.Quality.IsBad())
                {
                    var gate = new PointRef(reading.DeviceId, reading.PointId);
                    bool on = reading.Value != 0 && !double.IsNaN(reading.Value);
                    if (!_gates.TryGetValue(gate, out bool was) || was != on)
                    {
                        _gates[gate] = on;
                        Gate(gate, on, changes);
                    }
                }
                if (route.Evaluators is not { } evaluators)
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

    /// <summary>The rules, run-hour counters and gates a point feeds (the routes never change after construction).</summary>
    private PointRoute RouteOf(int slot, in Reading reading)
    {
        ref var route = ref _routes[slot];
        if (!route.Known)
        {
            var key = (reading.DeviceId, reading.PointId);
            route = new PointRoute(true, _byPoint.GetValueOrDefault(key), _usageByPoint.GetValueOrDefault(key), _gated.ContainsKey(key));
        }
        return route;
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
            foreach (var expired in _states.Values.Where(s => s.OutOfServiceUntil is not null && Since($"out_of_service:{s.RuleId}") >= TimeSpan.Zero).ToList())
                Release(StateOf(expired.RuleId, changes) with { OutOfServiceReason = null, OutOfServiceUntil = null }, "when its out-of-service time ended", changes);
            long monotonic = _time.GetTimestamp();
            PlanMaintenance(_usage, changes);
            if (_time.GetElapsedTime(_usageSavedAt, monotonic) >= UsageSaveEvery)
                SaveUsage(changes);
            if (_flood.TakeDigest() is { } digest)
            {
                changes.Digest = digest;
                LogDigest(digest.Digest.Items.Count, digest.Digest.Key);
            }
            // Each loop below builds on the newest version of a ticket (changes.Current): one tick may touch a ticket twice.
            foreach (var ticket in OpenTickets.Select(changes.Current).OfType<Ticket>().Where(t => t.State == TicketState.Open))
            {
                if (StateOf(ticket.RuleId, changes).IsSilenced)
                    continue; // its alarm is shelved, out of service or suppressed: nobody is paged
                if (_desk.Escalation(ticket, now) is { } escalation)
                    changes.Put(escalation.Ticket, escalation.Event);
            }
            foreach (var (ruleId, acknowledged) in _acknowledgedAt.ToList())
            {
                if (!_byRule.TryGetValue(ruleId, out var evaluator) || evaluator.Rule.RealarmAfter is not { } realarm
                    || _states.GetValueOrDefault(ruleId) is not { Condition: AlarmCondition.ActiveAcknowledged, TicketId: { } ticketId } state
                    || _time.GetElapsedTime(acknowledged, monotonic) < realarm || changes.Current(_tickets.GetValueOrDefault(ticketId)) is not { } acked)
                    continue;
                _acknowledgedAt.Remove(ruleId);
                changes.Put(state with { Condition = AlarmCondition.ActiveUnacknowledged });
                changes.Put(_desk.Realarm(acked, $"still active {realarm.TotalMinutes:0} min after the acknowledgement", now), "realarm");
            }
            // Resolution targets are business deadlines: wall-clock time, as respond_by is.
            foreach (var ticket in OpenTickets.Select(changes.Current).OfType<Ticket>().ToList())
                if (_desk.Overdue(ticket, now) is { } overdue)
                    changes.Put(overdue, "overdue");
            // Not normal through the follow-up: stays resolved until it is.
            foreach (var ticket in OpenTickets.Select(changes.Current).OfType<Ticket>().ToList())
                if (_desk.FollowedUp(ticket, _states.GetValueOrDefault(ticket.RuleId)?.IsActive == true, now) is { } closed)
                    changes.Put(closed, "closed");
            await CommitAsync(changes, cancellationToken).ConfigureAwait(false);
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

    private void Mark(string key, DateTimeOffset wall) => _marks.Mark(key, wall);

    private TimeSpan Since(string key) => _marks.Since(key);

    /// <summary>The state of an alarm as this evaluation has it: changed in it, or as committed.</summary>
    private AlarmState StateOf(string ruleId, Changes changes) =>
        changes.States.GetValueOrDefault(ruleId) ?? _states.GetValueOrDefault(ruleId) ?? new AlarmState { RuleId = ruleId };

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
        if (state.TicketId is { } id && _tickets.TryGetValue(id, out var previous) && _desk.TakesRecurrence(previous))
        {
            ticket = _desk.Recur(previous, value, now);
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
            changes.Put(TicketDesk.Cleared(ticket, _time.GetUtcNow()), "cleared");
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

    /// <summary>A new ticket for <paramref name="rule"/> from the desk; a state has no limit to show.</summary>
    private Ticket NewTicket(AlarmRule rule, double? value, DateTimeOffset now) => _desk.Open(new TicketCause(rule.Id, rule.DeviceId, rule.PointId, rule.AssetId,
        rule.Priority, rule.Message, value, rule.Type is AlarmRuleType.Stale or AlarmRuleType.State ? null : rule.Limit, rule.Unit), now);

    public void Dispose() => _gate.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification flood: {Count} notifications sent as digest {Key}")]
    private partial void LogDigest(int count, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ticket {TicketId} {Event}: {Priority} {Asset}: {Message}")]
    private partial void LogTicket(string ticketId, string @event, AlarmPriority priority, string asset, string message);
}
