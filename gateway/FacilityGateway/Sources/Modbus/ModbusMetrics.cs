using System.Diagnostics.Metrics;
using FacilityGateway.Modbus.Protocol;

namespace FacilityGateway.Sources.Modbus;

/// <summary>
/// The Modbus sources' instruments (System.Diagnostics.Metrics, so <c>/metrics</c>, dotnet-counters and any
/// OpenTelemetry exporter read the same ones): per device its polls, failed polls by cause and response time, CRC
/// errors and timeouts on the wire (retries included), and per line the time the bus was busy with requests.
/// Observable ones are read from the devices' own counters only when something collects.
/// </summary>
internal sealed class ModbusMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "FacilityGateway.Sources.Modbus";

    private readonly Counter<long> _polls;
    private readonly Counter<long> _failures;
    private readonly Histogram<double> _responseTime;

    public ModbusMetrics(IMeterFactory meters, IReadOnlyList<LineArbiter> lines)
    {
        var meter = meters.Create(MeterName);
        _polls = meter.CreateCounter<long>("facility_gateway.device.polls", description: "Polls of a Modbus device");
        _failures = meter.CreateCounter<long>("facility_gateway.device.poll_failures", description: "Polls that got no usable answer, by cause (timeout, crc, framing, connection)");
        _responseTime = meter.CreateHistogram("facility_gateway.device.response_time", unit: "s", description: "Time a poll of a Modbus device took, retries included",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        var devices = lines.SelectMany(l => l.Devices.Select(d => (Line: l.Key, Device: d))).ToArray();
        meter.CreateObservableCounter("facility_gateway.modbus.crc_errors", () => devices.Select(d => Measure(d.Device.Counters.CrcErrors, d.Device)),
            description: "RTU frames with a bad CRC-16, retries included");
        meter.CreateObservableCounter("facility_gateway.modbus.timeouts", () => devices.Select(d => Measure(d.Device.Counters.Timeouts, d.Device)),
            description: "Requests with no complete answer within the response timeout, retries included");
        meter.CreateObservableCounter("facility_gateway.modbus.exchanges", () => devices.Select(d => Measure(d.Device.Counters.Exchanges, d.Device)),
            description: "Requests sent, retries included");
        meter.CreateObservableCounter("facility_gateway.line.busy", () => lines.Select(l => new Measurement<double>(l.BusyTime.TotalSeconds, new KeyValuePair<string, object?>("line", l.Key))),
            unit: "s", description: "Time the line was busy with requests (rate() of it is the line's busy fraction)");
    }

    private static Measurement<long> Measure(long value, PolledDevice device) => new(value, new KeyValuePair<string, object?>("device", device.Options.Id));

    /// <summary>Counts one poll of <paramref name="device"/>.</summary>
    public void Polled(PolledDevice device, string line, ModbusTransportException? failure)
    {
        var deviceTag = new KeyValuePair<string, object?>("device", device.Options.Id);
        _polls.Add(1, deviceTag, new KeyValuePair<string, object?>("line", line));
        _responseTime.Record(device.LastResponseTime.TotalSeconds, deviceTag);
        if (failure is not null)
            _failures.Add(1, deviceTag, new KeyValuePair<string, object?>("cause", CauseOf(failure)));
    }

    /// <summary>The cause label of a failed poll.</summary>
    public static string CauseOf(ModbusTransportException failure) => failure switch
    {
        ModbusTimeoutException => "timeout",
        ModbusFramingException { Error: ModbusFramingError.Crc } => "crc",
        ModbusFramingException => "framing",
        _ => "connection",
    };
}
