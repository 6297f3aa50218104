using FacilityGateway.Tickets;

namespace FacilityGateway.Alarms;

/// <summary>Technicians' actions, and alarms that leave a silenced state (shelve, out of service).</summary>
public sealed partial class AlarmEngine
{
    /// <summary>How long out of service lasts when the action does not say (an equipment repair of a few days).</summary>
    public static readonly TimeSpan DefaultOutOfService = TimeSpan.FromDays(7);

    /// <summary>The longest out of service: then the alarm is back in service by itself, with an event saying so.</summary>
    public static readonly TimeSpan MaxOutOfService = TimeSpan.FromDays(30);

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
            var audit = new TicketAuditEntry(now, command.Action.Name(), command.By, command.Note);
            bool released = false;
            TicketAuditEntry? done = null;
            // The ticket's part is the desk's; the alarm's part (its state, a latch, a silence) is here.
            ticket = _desk.Act(ticket, command, now);
            switch (command.Action)
            {
                case TicketAction.Ack:
                    _acknowledgedAt[ticket.RuleId] = _time.GetTimestamp();
                    state = state with { Condition = state.Condition switch { AlarmCondition.ActiveUnacknowledged => AlarmCondition.ActiveAcknowledged, AlarmCondition.ReturnedUnacknowledged => AlarmCondition.Normal, var c => c } };
                    break;
                case TicketAction.Start:
                    break;
                case TicketAction.Resolve:
                    done = MaintenanceDone(ticket, now, changes);
                    if (ticket.RuleId.EndsWith("/chatter", StringComparison.Ordinal) && _states.TryGetValue(ticket.RuleId[..^"/chatter".Length], out var chattering))
                    {
                        changes.Put(chattering with { Chattering = false });
                        _activations.Remove(chattering.RuleId);
                    }
                    break;
                case TicketAction.Shelve:
                    var duration = command.Duration ?? TimeSpan.FromHours(1);
                    if (command.Note is null || duration > TimeSpan.FromHours(24))
                        return false; // shelving needs a reason and expires within 24 h
                    state = state with { ShelvedUntil = now + duration, ShelveReason = command.Note };
                    Mark($"shelved:{state.RuleId}", now + duration);
                    break;
                case TicketAction.Unshelve:
                    state = state with { ShelvedUntil = null, ShelveReason = null };
                    released = true;
                    break;
                case TicketAction.OutOfService:
                    var outFor = command.Duration ?? DefaultOutOfService;
                    if (command.Note is null || outFor > MaxOutOfService || outFor <= TimeSpan.Zero)
                        return false; // out of service needs a reason, and ends within 30 days
                    state = state with { OutOfServiceReason = command.Note, OutOfServiceUntil = now + outFor };
                    Mark($"out_of_service:{state.RuleId}", now + outFor);
                    break;
                case TicketAction.InService:
                    state = state with { OutOfServiceReason = null, OutOfServiceUntil = null };
                    released = true;
                    break;
                case TicketAction.Reset: // a latched alarm whose condition has gone
                    if (_byRule.TryGetValue(ticket.RuleId, out var evaluator))
                        evaluator.Restore(false);
                    state = state with { Condition = AlarmCondition.Normal };
                    break;
                default:
                    return false;
            }
            ticket = ticket with { Revision = ticket.Revision + 1, Audit = done is null ? [.. ticket.Audit, audit] : [.. ticket.Audit, audit, done] };
            changes.Put(state);
            changes.Put(ticket, command.Action.Name());
            if (released)
                Release(state, command.Action == TicketAction.Unshelve ? "when its shelve was ended" : "when it was returned to service", changes);
            await CommitAsync(changes, cancellationToken, action: true).ConfigureAwait(false);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

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
            changes.Put(_desk.Realarm(ticket, $"still active {why}", now) with { LastAt = now }, "realarm");
            LogTicket(ticket.Id, "realarm", ticket.Priority, ticket.Asset.Name, ticket.Message);
            return;
        }
        Activate(evaluator.Rule, evaluator.Value, changes, countChatter: false);
    }
}
