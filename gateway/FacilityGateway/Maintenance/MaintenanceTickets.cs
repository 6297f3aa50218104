using System.Globalization;
using FacilityGateway.Configuration;
using FacilityGateway.Readings;
using FacilityGateway.Tickets;

namespace FacilityGateway.Maintenance;

/// <summary>
/// What maintenance says to the ticket desk and the outbox: the cause of a task's P4 ticket, the counter it shows, the
/// note a resolve leaves in the asset's history, and the usage readings of the gateway. The alarm engine, as the
/// coordinator, decides when and commits them with the rest.
/// </summary>
public static class MaintenanceTickets
{
    /// <summary>The cause of <paramref name="task"/>'s ticket: P4, its interval as the limit, on the asset's run signal when it has one.</summary>
    public static TicketCause Cause(UsageTracker tracker, MaintenanceTask task, string message, string? runDevice, string? runPoint)
    {
        ArgumentNullException.ThrowIfNull(tracker);
        ArgumentNullException.ThrowIfNull(task);
        return new TicketCause(tracker.RuleIdOf(task), runDevice ?? "", runPoint ?? "", tracker.Asset.Id, AlarmPriority.P4, message,
            CounterOf(tracker, task), task.EveryRunHours ?? task.EveryStarts ?? 0, task.EveryRunHours is not null ? "h" : task.EveryStarts is not null ? "starts" : "");
    }

    /// <summary>The counter a task counts by: run hours (to 0.1 h) or starts; null for a calendar task.</summary>
    public static double? CounterOf(UsageTracker tracker, MaintenanceTask task)
    {
        ArgumentNullException.ThrowIfNull(tracker);
        ArgumentNullException.ThrowIfNull(task);
        return task.EveryRunHours is not null ? Math.Round(tracker.RunHours, 1) : task.EveryStarts is not null ? tracker.Starts : null;
    }

    /// <summary>The history note of a task done now: at what run hours and starts, and when it is next due (site dates).</summary>
    public static string DoneNote(UsageTracker tracker, MaintenanceTask task, MaintenanceDue next, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(tracker);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(next);
        var ci = CultureInfo.InvariantCulture;
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
            due.Add(TimeZoneInfo.ConvertTime(when, zone).ToString("yyyy-MM-dd", ci));
        string done = at.Count > 0 ? $"done at {string.Join(", ", at)}" : "done";
        return $"{done}; next due at {string.Join(" or ", due)}, whichever comes first";
    }

    /// <summary>The asset's run hours and starts as readings of the gateway itself.</summary>
    public static IEnumerable<Reading> UsageReadings(UsageTracker tracker, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(tracker);
        yield return new Reading(GatewayDevice.Id, $"asset.{tracker.Asset.Id}.run_hours", Math.Round(tracker.RunHours, 3), null, "h", Quality.Good, now);
        yield return new Reading(GatewayDevice.Id, $"asset.{tracker.Asset.Id}.starts", tracker.Starts, null, "", Quality.Good, now);
    }
}
