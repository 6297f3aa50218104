using FacilityGateway.Configuration;
using FacilityGateway.Modbus.Client;
using FacilityGateway.Modbus.Planning;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Readings;

namespace FacilityGateway.Sources.Modbus;

/// <summary>
/// One Modbus device as its line's arbiter sees it: how to read it, when it is due, and its health. A device that stops
/// answering is retried once at its normal interval, then backed off exponentially (capped), and probed with a single
/// request without retries so it takes as little bus time as possible.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The clients do not own the line's transport; the LineArbiter disposes it.")]
internal sealed class PolledDevice
{
    /// <summary>The health points every Modbus device reports besides its own.</summary>
    public static readonly PointInfo[] HealthPoints =
    [
        DeviceHealth.Points[0],
        new("health.response_time", "Response time", "ms", 50),
        DeviceHealth.Points[1] with { Name = "Failed polls" },
        DeviceHealth.Points[2],
    ];

    private readonly ModbusDeviceReader _reader;
    private readonly DeviceReadResult _result;
    private readonly ModbusClient _client;
    private readonly ModbusClient _probe;
    private readonly TimeProvider _time;
    private readonly DeviceHealth _health;

    public PolledDevice(ModbusDeviceOptions options, ModbusLinePlan line, IModbusTransportFactory transport, TimeProvider time, TimeSpan maxBackoff)
    {
        Options = options;
        _time = time;
        _health = new DeviceHealth(options.Id);
        MaxBackoff = maxBackoff;
        Timeout = line.TimeoutOf(options);
        var retry = new ModbusRetryPolicy { MaxRetries = options.Retries, InitialBackoff = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromMilliseconds(200) };
        _client = new ModbusClient(transport.Transport, retry, time, ownsTransport: false, responseTimeout: Timeout, counters: Counters);
        _probe = new ModbusClient(transport.Transport, ModbusRetryPolicy.None, time, ownsTransport: false, responseTimeout: Timeout, counters: Counters);
        var points = options.ResolvedPoints.Select(p => new PointSpan(p.Table, p.Address, p.Width)).ToArray();
        _reader = new ModbusDeviceReader(points, ModbusDeviceKind.PlannerOptions(options), TimeSpan.FromHours(1), time);
        _result = _reader.CreateResult();
    }

    public ModbusDeviceOptions Options { get; }
    public TimeSpan Timeout { get; }
    public TimeSpan MaxBackoff { get; }

    /// <summary>When the next poll is due (a <see cref="TimeProvider"/> timestamp).</summary>
    public long NextDue { get; set; }

    public int ConsecutiveFailures => _health.ConsecutiveFailures;
    public bool Online => _health.Online;
    /// <summary>True once two polls in a row failed: the next ones are probes, scheduled with backoff.</summary>
    public bool BackingOff => ConsecutiveFailures >= 2;
    public long Polls { get; private set; }
    public string? LastError => _health.LastError;
    public TimeSpan LastResponseTime { get; private set; }

    /// <summary>Why the last poll got no usable answer; null when it got one.</summary>
    public ModbusTransportException? LastFailure { get; private set; }

    /// <summary>Every request sent to this device and how the failed ones failed, retries and probes included.</summary>
    public ModbusExchangeCounters Counters { get; } = new();

    /// <summary>Reads every point once and returns the readings, device health included.</summary>
    public async Task<ReadingBatch> PollAsync(CancellationToken cancellationToken)
    {
        var sampledAt = _time.GetUtcNow();
        long started = _time.GetTimestamp();
        await _reader.ReadAsync(BackingOff ? _probe : _client, Options.Unit, _result, cancellationToken).ConfigureAwait(false);
        LastResponseTime = _time.GetElapsedTime(started);
        Polls++;

        ModbusTransportException? unreachable = null;
        for (int i = 0; i < _result.Count; i++)
            if (_result.Status(i) == PointReadStatus.Failed && _result.Error(i) is ModbusTransportException transport)
                unreachable ??= transport;
        LastFailure = unreachable;
        if (unreachable is not null)
            _health.Failed(unreachable.Message);
        else
            _health.Succeeded();

        var readings = new Reading[_result.Count + 4];
        var points = Options.ResolvedPoints;
        for (int i = 0; i < _result.Count; i++)
            readings[i] = PointDecoder.Decode(Options.Id, points[i], _result, i, sampledAt);
        int n = _result.Count;
        readings[n++] = _health.OnlineReading(sampledAt);
        readings[n++] = new Reading(Options.Id, "health.response_time", LastResponseTime.TotalMilliseconds, null, "ms", Quality.Good, sampledAt);
        readings[n++] = _health.FailedReading(sampledAt);
        readings[n++] = _health.LastErrorReading(sampledAt);
        return new ReadingBatch(Options.Id, Options.Asset, sampledAt, readings);
    }

    /// <summary>
    /// Writes one point: reads it, writes it once (a write is not idempotent, so no retries: after a timeout the read
    /// back says what the device holds), reads it back when asked. Runs on the line's arbiter, between polls.
    /// </summary>
    public async Task<Writes.PointWriteResult> WriteAsync(ModbusPoint point, double value, CancellationToken cancellationToken)
    {
        double? before = await ReadPointAsync(point, cancellationToken).ConfigureAwait(false);
        string? error = null;
        try
        {
            if (point.Table == ModbusTable.Coils)
            {
                await _probe.WriteSingleCoilAsync(Options.Unit, point.Address, value != 0, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var registers = new ushort[point.Width];
                double raw = point.Scaling is { Scale: 1, Offset: 0 } ? value : point.Scaling.Remove(value);
                FacilityGateway.Modbus.Codec.ModbusValueCodec.EncodeDouble(raw, point.Format, registers);
                if (registers.Length == 1)
                    await _probe.WriteSingleRegisterAsync(Options.Unit, point.Address, registers[0], cancellationToken).ConfigureAwait(false);
                else
                    await _probe.WriteMultipleRegistersAsync(Options.Unit, point.Address, registers, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OverflowException)
        {
            return new Writes.PointWriteResult(false, before, before, $"{value} does not fit the point's {point.Format.Type} register");
        }
        catch (ModbusException ex)
        {
            error = ex.Message;
        }
        double? after = point.Write?.ReadBack == false && error is null ? null : await ReadPointAsync(point, cancellationToken).ConfigureAwait(false);
        return new Writes.PointWriteResult(error is null, before, after, error);
    }

    /// <summary>One point's value now (in its unit), or null when it cannot be read.</summary>
    private async Task<double?> ReadPointAsync(ModbusPoint point, CancellationToken cancellationToken)
    {
        try
        {
            if (point.Table == ModbusTable.Coils)
            {
                var bits = new bool[1];
                await _probe.ReadBitsAsync(Options.Unit, ModbusTable.Coils, point.Address, bits, cancellationToken).ConfigureAwait(false);
                return bits[0] ? 1 : 0;
            }
            var registers = new ushort[point.Width];
            await _probe.ReadRegistersAsync(Options.Unit, point.Table, point.Address, registers, cancellationToken).ConfigureAwait(false);
            double raw = PointDecoder.ShortestOfSource(FacilityGateway.Modbus.Codec.ModbusValueCodec.DecodeDouble(registers, point.Format), point.Format.Type);
            return point.Scaling is { Scale: 1, Offset: 0 } ? raw : PointDecoder.Shortest(point.Scaling.Apply(raw));
        }
        catch (ModbusException)
        {
            return null;
        }
    }

    /// <summary>Sets <see cref="NextDue"/> after a poll: the next slot of the fixed-rate schedule, or a backoff.</summary>
    public void Reschedule(long now)
    {
        long interval = Ticks(Options.Interval);
        if (BackingOff)
        {
            double factor = Math.Pow(2, Math.Min(ConsecutiveFailures - 1, 20));
            long backoff = Math.Min((long)(interval * factor), Ticks(MaxBackoff));
            NextDue = now + Math.Max(backoff, interval);
            return;
        }
        NextDue += interval;
        if (NextDue <= now) // fell behind (a slow line): skip missed slots, keep the phase
            NextDue += ((now - NextDue) / interval + 1) * interval;
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);
}

/// <summary>Hands out the line's shared transport.</summary>
internal interface IModbusTransportFactory
{
    FacilityGateway.Modbus.Transport.IModbusTransport Transport { get; }
}
