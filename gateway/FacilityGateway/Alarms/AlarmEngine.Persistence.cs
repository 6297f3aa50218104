using System.Text.Json;
using FacilityGateway.Maintenance;
using FacilityGateway.Outbox;
using FacilityGateway.Readings;
using FacilityGateway.Tickets;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Alarms;

/// <summary>State, tickets and notifications: loaded once, committed together in one outbox transaction.</summary>
public sealed partial class AlarmEngine
{
    /// <summary>The generated JSON contract of a stored type (<see cref="AlarmJsonContext"/>).</summary>
    private static System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> State<T>() => AlarmJsonContext.Combined.GetTypeInfo<T>();

    private async Task EnsureLoadedAsync(CancellationToken cancellationToken)
    {
        if (_loaded)
            return;
        await _outbox.Opened.WaitAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (_, json) in await _outbox.Outbox.LoadStateAsync("alarm", cancellationToken).ConfigureAwait(false))
        {
            var state = JsonSerializer.Deserialize(json, State<AlarmState>())!;
            lock (_states)
                _states[state.RuleId] = state;
            if (_byRule.TryGetValue(state.RuleId, out var evaluator))
                evaluator.Restore(state.IsActive); // raised and notified before the restart: stays silent
        }
        foreach (var (key, json) in await _outbox.Outbox.LoadStateAsync("usage", cancellationToken).ConfigureAwait(false))
            _usage.FirstOrDefault(t => t.Asset.Id == key)?.Restore(JsonSerializer.Deserialize(json, State<UsageState>())!);
        foreach (var (_, json) in await _outbox.Outbox.LoadStateAsync("flood", cancellationToken).ConfigureAwait(false))
            _flood.Restore(JsonSerializer.Deserialize(json, State<DigestState>())!);
        foreach (var (_, json) in await _outbox.Outbox.LoadStateAsync("ticket", cancellationToken).ConfigureAwait(false))
        {
            var ticket = JsonSerializer.Deserialize(json, State<Ticket>())!;
            if (ticket.State == TicketState.Closed)
                continue; // history: on disk (tickets list --all), not in memory
            lock (_tickets)
                _tickets[ticket.Id] = ticket;
            // After a restart the monotonic clock starts again: map the stored times once, now.
            _desk.Restore(ticket);
        }
        foreach (var (_, text) in await _outbox.Outbox.LoadStateAsync("sequence", cancellationToken).ConfigureAwait(false))
            _desk.Sequence = _storedSequence = Math.Max(_desk.Sequence, long.Parse(text, System.Globalization.CultureInfo.InvariantCulture));
        foreach (var state in _states.Values.ToList())
        {
            if (state.ShelvedUntil is { } until)
                Mark($"shelved:{state.RuleId}", until);
            if (state.OutOfServiceReason is null)
                continue;
            // One taken out of service before out of service had an end: 30 days from now.
            var ends = state.OutOfServiceUntil ?? _time.GetUtcNow() + MaxOutOfService;
            lock (_states)
                _states[state.RuleId] = state with { OutOfServiceUntil = ends };
            Mark($"out_of_service:{state.RuleId}", ends);
        }
        _loaded = true;
        if (_outbox.Outbox.RecoveredFrom is { } movedTo)
            await OpenRecoveryTicketAsync(movedTo, cancellationToken).ConfigureAwait(false);
        await ResolveRemovedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Open tickets of points, devices or plan tasks no longer in the configuration (an edit and a reload or restart):
    /// nothing would ever clear them, so they are resolved now, with a note in their history that says why, and the
    /// technicians hear it as any resolve. The follow-up closes them as usual.
    /// </summary>
    private async Task ResolveRemovedAsync(CancellationToken cancellationToken)
    {
        List<Ticket> removed;
        lock (_tickets)
            removed = [.. _tickets.Values.Where(t => t.State is not (TicketState.Resolved or TicketState.Closed) && !StillConfigured(t))];
        if (removed.Count == 0)
            return;
        var now = _time.GetUtcNow();
        var changes = new Changes();
        foreach (var ticket in removed)
        {
            string why = $"resolved by the gateway: {ticket.DeviceId}/{ticket.PointId} is no longer in the configuration";
            var resolved = _desk.Resolved(ticket, now) with
            {
                ConditionActive = false,
                Revision = ticket.Revision + 1,
                Audit = [.. ticket.Audit, new TicketAuditEntry(now, TicketAction.Resolve.Name(), "gateway", why)],
            };
            changes.Put(resolved, TicketAction.Resolve.Name());
            if (_states.TryGetValue(ticket.RuleId, out var state))
                changes.Put(state with { Condition = AlarmCondition.Normal, TicketId = null });
            LogTicket(ticket.Id, "resolved", ticket.Priority, ticket.Asset.Name, why);
        }
        await CommitAsync(changes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether a ticket's rule still exists: a point or equipment rule, its chatter, a device, a plan task, or the gateway's own.</summary>
    private bool StillConfigured(Ticket ticket)
    {
        if (ticket.DeviceId == Readings.GatewayDevice.Id || _byRule.ContainsKey(ticket.RuleId))
            return true;
        if (ticket.RuleId.EndsWith("/chatter", StringComparison.Ordinal))
            return _byRule.ContainsKey(ticket.RuleId[..^"/chatter".Length]);
        if (ticket.RuleId.Contains("/maintenance/", StringComparison.Ordinal))
            return _usage.Any(u => ticket.RuleId.StartsWith(u.Asset.Id + "/maintenance/", StringComparison.Ordinal) && u.Asset.Maintenance.Any(task => u.RuleIdOf(task) == ticket.RuleId));
        return false;
    }

    /// <summary>The outbox file was corrupt at start and a new one was begun: one ticket says what was lost and where the old file is.</summary>
    private async Task OpenRecoveryTicketAsync(string movedTo, CancellationToken cancellationToken)
    {
        var rule = new AlarmRule("gateway/outbox_recovered", "gateway", "outbox.recovered", "gateway", AlarmRuleType.State, 1, 0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero,
            false, AlarmPriority.P2,
            $"The outbox file was corrupt ({_outbox.Outbox.CorruptionReason}) and was moved to {movedTo}; a new one was started. Readings and notifications not yet delivered, and the alarm states and tickets stored before, are lost; alarms are evaluated afresh from new readings",
            "");
        var now = _time.GetUtcNow();
        var changes = new Changes();
        var ticket = NewTicket(rule, 1, now) with { ConditionActive = false };
        LogTicket(ticket.Id, "opened", ticket.Priority, "gateway", ticket.Message);
        changes.Put(ticket, "opened");
        await CommitAsync(changes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Every ticket, closed ones too (their history is in the outbox file's state table), newest first: the
    /// dashboard's ticket list and the register's history of each asset.
    /// </summary>
    public async Task<IReadOnlyList<Ticket>> TicketHistoryAsync(CancellationToken cancellationToken)
    {
        await _outbox.Opened.WaitAsync(cancellationToken).ConfigureAwait(false);
        var all = new Dictionary<string, Ticket>(StringComparer.Ordinal);
        foreach (var (_, json) in await _outbox.Outbox.LoadStateAsync("ticket", cancellationToken).ConfigureAwait(false))
            if (JsonSerializer.Deserialize(json, State<Ticket>()) is { } stored)
                all[stored.Id] = stored;
        foreach (var open in OpenTickets)
            all[open.Id] = open; // what memory holds is at least as new as what was committed
        return [.. all.Values.OrderByDescending(t => t.FirstAt)];
    }

    /// <summary>
    /// A ticket as committed: kept in memory while it can still change; a closed one leaves memory (its history stays
    /// in the outbox file: <c>tickets list --all --asset</c>), so memory follows the open tickets, not the years.
    /// </summary>
    private void Keep(Ticket ticket)
    {
        if (ticket.State != TicketState.Closed)
        {
            _tickets[ticket.Id] = ticket;
            return;
        }
        _tickets.Remove(ticket.Id);
        _marks.Forget($"paged:{ticket.Id}");
        _marks.Forget($"resolved:{ticket.Id}");
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

    /// <summary>Commits a full disk refused, oldest first: saved before anything newer, so notifications keep their order.</summary>
    private readonly Queue<(List<(string, string, string)> Rows, List<(OutboxRecordKind, byte[])> Records)> _unsaved = new();

    /// <summary>The most refused commits kept waiting in memory; beyond it the oldest are given up (and counted).</summary>
    public const int MaxUnsaved = 10_000;

    private long _unsavedDropped;

    /// <summary>
    /// Tickets opened by this outbox file, ever: the last part of a ticket id, so ids are unique by construction (a
    /// random part collided: 100 comm-loss tickets in one second replaced one another with 7 % probability). Stored
    /// with the tickets it numbers.
    /// </summary>
    private long _storedSequence;

    /// <summary>Changes a full disk has refused so far and that wait to be stored.</summary>
    public int Unsaved => _unsaved.Count;

    /// <summary>
    /// Commits one evaluation's changes. An evaluation (<paramref name="action"/> false) changes memory whatever the disk
    /// says: what a full disk refused waits in order. A technician's action (true) is stored or refused as a whole: its
    /// caller hears success only after the commit, a refusal is an <see cref="OutboxFullException"/> with memory unchanged,
    /// and the commit, once handed to the outbox, is never abandoned to the caller's cancellation (a dashboard request
    /// that is aborted must not leave an ack stored but forgotten, or stored twice).
    /// </summary>
    private async Task CommitAsync(Changes changes, CancellationToken cancellationToken, bool action = false)
    {
        if (changes.IsEmpty)
        {
            if (_unsaved.Count > 0)
                await SaveQueuedAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        var events = changes.Tickets.Values.SelectMany(v => v).ToList();
        var (held, flood) = _flood.Plan(events, changes.Digest?.Next);
        var rows = new List<(string, string, string)>();
        rows.AddRange(changes.States.Values.Select(s => ("alarm", s.RuleId, JsonSerializer.Serialize(s, State<AlarmState>()))));
        rows.AddRange(changes.Tickets.Values.Select(v => ("ticket", v[^1].Ticket.Id, JsonSerializer.Serialize(v[^1].Ticket, State<Ticket>()))));
        rows.AddRange(changes.Usage.Values.Select(u => ("usage", u.AssetId, JsonSerializer.Serialize(u, State<UsageState>()))));
        if (flood is not null)
            rows.Add(("flood", "digest", JsonSerializer.Serialize(flood, State<DigestState>())));
        if (_desk.Sequence != _storedSequence)
            rows.Add(("sequence", "ticket", _desk.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        _storedSequence = _desk.Sequence; // rows are stored in order: the newest sequence row wins
        var records = new List<(OutboxRecordKind, byte[])>();
        if (changes.Digest is { } digest)
            records.Add((OutboxRecordKind.FloodDigest, digest.Digest.Encode()));
        records.AddRange(events.Select((e, i) => (OutboxRecordKind.TicketChange, TicketEvent.Of(e.Event, e.Ticket, held[i]).Encode())));
        records.AddRange(changes.Readings.Select(b => (OutboxRecordKind.Readings, ReadingBatchCodec.Encode(b))));
        if (action)
        {
            if (_unsaved.Count > 0)
                await SaveQueuedAsync(CancellationToken.None).ConfigureAwait(false);
            if (_unsaved.Count > 0)
                throw new OutboxFullException("The outbox is full: earlier changes still wait for room, so this action was not stored");
            await _outbox.Outbox.TransactAsync(rows, records, CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            _unsaved.Enqueue((rows, records));
            if (_unsaved.Count > MaxUnsaved)
            {
                _unsaved.Dequeue();
                _unsavedDropped++;
            }
            await SaveQueuedAsync(cancellationToken).ConfigureAwait(false);
        }
        // Memory follows at once, stored or not: the evaluators have moved on, so the engine must not raise the same
        // alarm twice. What a full disk refused is stored, in order, as soon as there is room (each tick tries); only
        // a restart before that loses it.
        lock (_states) // the engine writes only here and at load; Counts reads from another thread
            foreach (var state in changes.States.Values)
                _states[state.RuleId] = state;
        lock (_tickets)
            foreach (var versions in changes.Tickets.Values)
                Keep(versions[^1].Ticket);
        foreach (var (tracker, usage) in changes.Usage)
            tracker.Saved(usage);
        if (flood is not null)
            _flood.Apply(flood);
    }

    private async Task SaveQueuedAsync(CancellationToken cancellationToken)
    {
        while (_unsaved.TryPeek(out var next))
        {
            try
            {
                // Once handed to the outbox it is committed: waiting for it is not given up to a cancellation.
                await _outbox.Outbox.TransactAsync(next.Rows, next.Records, CancellationToken.None).ConfigureAwait(false);
            }
            catch (OutboxFullException ex)
            {
                if (!_storageFull)
                    LogStorageFull(ex.GetBaseException().Message);
                _storageFull = true;
                return;
            }
            _unsaved.Dequeue();
        }
        if (_storageFull)
            LogStoredAgain(_unsavedDropped);
        _storageFull = false;
    }

    private bool _storageFull;

    [LoggerMessage(Level = LogLevel.Error, Message = "Alarm and ticket changes cannot be stored: {Reason}. Tickets go on in memory and in the log, and are stored as soon as there is room; free disk space")]
    private partial void LogStorageFull(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alarm and ticket changes are stored again ({Dropped} given up while the disk was full)")]
    private partial void LogStoredAgain(long dropped);
}
