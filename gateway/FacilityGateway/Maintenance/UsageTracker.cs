using FacilityGateway.Alarms;
using FacilityGateway.Configuration;
using FacilityGateway.Readings;

namespace FacilityGateway.Maintenance;

/// <summary>
/// When a maintenance task is next due, by whichever of its intervals it has. <see cref="Basis"/> is the task's
/// configured last-done point the due point was counted from, so a change of it in the YAML counts afresh.
/// </summary>
public sealed record MaintenanceDue(double? RunHours, long? Starts, DateTimeOffset? At, string? Basis = null);

/// <summary>An asset's usage as stored (outbox state, kind <c>usage</c>): counters that never decrease, and what is due next.</summary>
public sealed record UsageState
{
    public required string AssetId { get; init; }
    public double RunHours { get; init; }
    public long Starts { get; init; }
    /// <summary>The run signal when last seen, so a start across a restart is still counted.</summary>
    public bool? Running { get; init; }
    /// <summary>Next due point of each task of the plan, by the task's text.</summary>
    public Dictionary<string, MaintenanceDue> Due { get; init; } = [];
}

/// <summary>A task of the plan that has come due, and why.</summary>
public sealed record DueTask(MaintenanceTask Task, IReadOnlyList<DueReason> Reasons);

/// <summary>
/// Why a task is due, one interval: its run hours, its starts or its calendar interval (only one set). The ticket desk
/// words it in the site's language (Tickets/TicketTexts).
/// </summary>
public sealed record DueReason(double? RunHours = null, double? EveryRunHours = null, long? Starts = null, long? EveryStarts = null, TimeSpan? Every = null);

/// <summary>
/// Run hours and starts of one asset, counted from its run signal (monotonic time between readings, gaps longer than
/// <see cref="MaxGap"/> not counted), and the tasks of its maintenance plan that come due by run hours, starts or
/// calendar time. The engine saves the counters at least every minute, so a power cut loses at most a minute of them.
/// </summary>
public sealed class UsageTracker(AssetOptions asset, TimeProvider time, TimeZoneInfo? zone = null)
{
    private readonly TimeZoneInfo _zone = zone ?? TimeZoneInfo.Utc;

    /// <summary>A longer silence between two readings of the run signal is not counted as running.</summary>
    public static readonly TimeSpan MaxGap = TimeSpan.FromMinutes(5);

    private double _runSeconds = (asset.InitialRunHours ?? 0) * 3600; // until a saved state is restored
    private long _starts = asset.InitialStarts ?? 0;
    private bool? _running;
    private bool _runningKnown;
    private long _lastAt;
    private Dictionary<string, MaintenanceDue> _due = [];

    public AssetOptions Asset => asset;

    public double RunHours => _runSeconds / 3600;

    public long Starts => _starts;

    /// <summary>The next due point of each task of the plan (by the task's text), as last committed.</summary>
    public IReadOnlyDictionary<string, MaintenanceDue> Due => _due;

    /// <summary>True when the counters moved since they were last saved.</summary>
    public bool Dirty { get; private set; }

    public void Restore(UsageState state)
    {
        _runSeconds = state.RunHours * 3600;
        _starts = state.Starts;
        _running = state.Running;
        _runningKnown = false; // the time while the gateway was down is not known
        _due = new Dictionary<string, MaintenanceDue>(state.Due, StringComparer.Ordinal);
    }

    /// <summary>A reading of the run signal.</summary>
    public void Update(Reading reading)
    {
        long now = time.GetTimestamp();
        if (reading.Quality.IsBad() || !double.IsFinite(reading.Value))
        {
            _runningKnown = false;
            return;
        }
        bool running = reading.Value != 0;
        if (_runningKnown && _running == true)
        {
            var elapsed = time.GetElapsedTime(_lastAt, now);
            if (elapsed <= MaxGap)
            {
                _runSeconds += elapsed.TotalSeconds;
                Dirty = true;
            }
        }
        if (running && _running == false)
        {
            _starts++;
            Dirty = true;
        }
        Dirty |= _running != running;
        _running = running;
        _runningKnown = true;
        _lastAt = now;
    }

    /// <summary>The state to save now, and whether it holds anything new.</summary>
    public UsageState Snapshot(Dictionary<string, MaintenanceDue>? due = null) =>
        new() { AssetId = asset.Id, RunHours = RunHours, Starts = _starts, Running = _running, Due = due ?? _due };

    /// <summary>
    /// The tasks due now and the due points to store with their tickets (null when no due point moved);
    /// <see cref="Saved"/> applies them after the commit.
    /// </summary>
    public (IReadOnlyList<DueTask> Due, UsageState? Next) Plan(DateTimeOffset now)
    {
        var due = new List<DueTask>();
        var next = new Dictionary<string, MaintenanceDue>(_due, StringComparer.Ordinal);
        bool changed = false;
        foreach (var task in asset.Maintenance)
        {
            var before = next.GetValueOrDefault(task.Task);
            string basis = BasisOf(task);
            if (before is not null && before.Basis != basis && (before.Basis is not null || basis.Length > 0))
                before = null; // the installer changed when it was last done: count from that
            // First sight of a task (or of one of its intervals): due one interval after it was last done, or from now.
            var point = new MaintenanceDue(
                task.EveryRunHours is { } h ? before?.RunHours ?? (task.LastDoneRunHours ?? RunHours) + h : null,
                task.EveryStarts is { } s ? before?.Starts ?? (task.LastDoneStarts ?? _starts) + s : null,
                task.Every is { } every ? before?.At ?? (task.LastDone is { } day ? StartOf(day) : now) + every : null,
                basis);
            var reasons = new List<DueReason>();
            if (point.RunHours is { } dueHours && RunHours >= dueHours)
            {
                reasons.Add(new DueReason(RunHours: RunHours, EveryRunHours: task.EveryRunHours));
                while (dueHours <= RunHours)
                    dueHours += task.EveryRunHours!.Value;
                point = point with { RunHours = dueHours };
            }
            if (point.Starts is { } dueStarts && _starts >= dueStarts)
            {
                reasons.Add(new DueReason(Starts: _starts, EveryStarts: task.EveryStarts));
                while (dueStarts <= _starts)
                    dueStarts += task.EveryStarts!.Value;
                point = point with { Starts = dueStarts };
            }
            if (point.At is { } dueAt && now >= dueAt)
            {
                reasons.Add(new DueReason(Every: task.Every));
                while (dueAt <= now)
                    dueAt += task.Every!.Value;
                point = point with { At = dueAt };
            }
            if (reasons.Count > 0)
                due.Add(new DueTask(task, reasons));
            changed |= point != before;
            next[task.Task] = point;
        }
        return (due, changed ? Snapshot(next) : null);
    }

    /// <summary>
    /// A technician resolved the task's ticket: it was done now, so each of its intervals counts from here (the next
    /// seal change is due 1,000 run hours after the one done late, not after the missed due point). Null when
    /// <paramref name="ruleId"/> is not a task of this asset.
    /// </summary>
    public (MaintenanceTask Task, MaintenanceDue Next, UsageState State)? Done(string ruleId, DateTimeOffset now)
    {
        if (asset.Maintenance.FirstOrDefault(t => RuleIdOf(t) == ruleId) is not { } task)
            return null;
        var next = new MaintenanceDue(RunHours + task.EveryRunHours, _starts + task.EveryStarts, now + task.Every, BasisOf(task));
        var due = new Dictionary<string, MaintenanceDue>(_due, StringComparer.Ordinal) { [task.Task] = next };
        return (task, next, Snapshot(due));
    }

    /// <summary>The alarm rule id of a task's maintenance tickets.</summary>
    public string RuleIdOf(MaintenanceTask task) => $"{asset.Id}/maintenance/{Slug(task.Task)}";

    /// <summary>The task of an asset's plan that <paramref name="words"/> names (case and punctuation aside), if any.</summary>
    public static MaintenanceTask? FindTask(AssetOptions asset, string words) =>
        asset.Maintenance.FirstOrDefault(t => Slug(t.Task) == Slug(words));

    /// <summary>A task's text as it appears in rule ids (letters of any script kept: Chinese task names stay apart): two tasks of one asset must not share it.</summary>
    public static string Slug(string task) => new([.. task.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-')]);

    private static string BasisOf(MaintenanceTask task) => task.LastDone is null && task.LastDoneRunHours is null && task.LastDoneStarts is null
        ? ""
        : FormattableString.Invariant($"{task.LastDone:yyyy-MM-dd}|{task.LastDoneRunHours}|{task.LastDoneStarts}");

    private DateTimeOffset StartOf(DateOnly day)
    {
        var midnight = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        return new DateTimeOffset(midnight, _zone.GetUtcOffset(midnight));
    }

    /// <summary>The state was committed.</summary>
    public void Saved(UsageState state)
    {
        _due = state.Due;
        Dirty = false;
    }
}
