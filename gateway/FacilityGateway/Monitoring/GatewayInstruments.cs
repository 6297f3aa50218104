using System.Diagnostics.Metrics;
using FacilityGateway.Alarms;
using FacilityGateway.Delivery;
using FacilityGateway.Outbox;

namespace FacilityGateway.Monitoring;

/// <summary>
/// The gateway's state as observable instruments, read from the parts only when something collects (a scrape):
/// the outbox (pending records and events, bytes, free disk, drops), each sink (lag, delivered, retries, dead letters,
/// failing, restarts), alarms by condition and open tickets by priority. The Modbus sources add their own
/// (<c>ModbusMetrics</c>); .NET's <c>System.Runtime</c> meter adds the process (CPU, memory, GC, threads).
/// </summary>
public sealed class GatewayInstruments
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "FacilityGateway";

    public GatewayInstruments(IMeterFactory meters, OutboxService outbox, DeliveryService delivery, AlarmEngine alarms, Configuration.ReloadHistory? reloads = null)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(outbox);
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(alarms);
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("facility_gateway.outbox.pending", () => outbox.LastCounters.Pending, description: "Telemetry records not yet delivered to every sink (refreshed every 10 s)");
        meter.CreateObservableGauge("facility_gateway.outbox.pending_events", () => outbox.LastCounters.PendingEvents, description: "Ticket events not yet delivered to every sink");
        meter.CreateObservableGauge("facility_gateway.outbox.size", () => outbox.LastCounters.Bytes, unit: "By", description: "Bytes the outbox file holds");
        meter.CreateObservableGauge("facility_gateway.outbox.free_disk", () => outbox.LastCounters.FreeDiskBytes is { } free ? [new Measurement<long>(free)] : Array.Empty<Measurement<long>>(),
            unit: "By", description: "Free bytes on the outbox's file system");
        meter.CreateObservableCounter("facility_gateway.outbox.dropped", () => new[]
        {
            new Measurement<long>(outbox.LastCounters.DroppedForSize, new KeyValuePair<string, object?>("reason", "size")),
            new Measurement<long>(outbox.LastCounters.DroppedForAge, new KeyValuePair<string, object?>("reason", "age")),
            new Measurement<long>(outbox.LastCounters.RejectedStorageFull, new KeyValuePair<string, object?>("reason", "storage_full")),
        }, description: "Records the outbox dropped (its bounds) or could not store (disk full or read-only)");

        meter.CreateObservableGauge("facility_gateway.sink.lag", () => delivery.Runners.Select(r => Of(Lag(outbox, r), r)), description: "Records appended after the last telemetry record this sink delivered");
        meter.CreateObservableCounter("facility_gateway.sink.delivered", () => delivery.Runners.Select(r => Of(r.Delivered, r)), description: "Records delivered since start");
        meter.CreateObservableCounter("facility_gateway.sink.retries", () => delivery.Runners.Select(r => Of(r.Retries, r)), description: "Deliveries the peer refused or did not answer (each is retried)");
        meter.CreateObservableCounter("facility_gateway.sink.dead_letters", () => delivery.Runners.Select(r => Of(r.DeadLettered, r)), description: "Records the peer rejected for good, set aside");
        meter.CreateObservableCounter("facility_gateway.sink.restarts", () => delivery.Runners.Select(r => Of(r.Restarts, r)), description: "Restarts of the sink's delivery after an unexpected error");
        meter.CreateObservableGauge("facility_gateway.sink.failing", () => delivery.Runners.Select(r => Of(r.Failing ? 1 : 0, r)), description: "1 while the sink's last delivery failed");

        meter.CreateObservableGauge("facility_gateway.alarms", () => alarms.Counts().Alarms.Select(a => new Measurement<int>(a.Value, new KeyValuePair<string, object?>("state", Snake(a.Key.ToString())))),
            description: "Alarms by ISA-18.2 state");
        meter.CreateObservableGauge("facility_gateway.tickets.open", () => alarms.Counts().OpenTickets.Select(t => new Measurement<int>(t.Value, new KeyValuePair<string, object?>("priority", t.Key.ToString()))),
            description: "Tickets not yet resolved, by priority");
        if (reloads is not null)
        {
            meter.CreateObservableCounter("facility_gateway.config.reloads", () => new[]
            {
                new Measurement<long>(reloads.Applied, new KeyValuePair<string, object?>("result", "applied")),
                new Measurement<long>(reloads.Refused, new KeyValuePair<string, object?>("result", "refused")),
            }, description: "Configuration reloads (SIGHUP) applied, and refused for errors");
            meter.CreateObservableGauge("facility_gateway.config.last_reload_refused", () => reloads.RunningOnLastGood ? 1 : 0,
                description: "1 while the file on disk was refused and the gateway runs on the last good configuration");
        }
    }

    private static long Lag(OutboxService outbox, SinkRunner runner)
    {
        try
        {
            return Math.Max(0, outbox.Outbox.LastId - runner.Cursor);
        }
        catch (InvalidOperationException)
        {
            return 0; // not open yet
        }
    }

    private static Measurement<long> Of(long value, SinkRunner runner) => new(value, new KeyValuePair<string, object?>("sink", runner.Name));

    private static string Snake(string name) => string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
