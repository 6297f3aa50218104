using FacilityGateway.Modbus.Transport;
using FacilityGateway.Readings;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Sources.Modbus;

/// <summary>
/// The one owner of a line (a serial port, or a TCP connection to a gateway or a device): one request at a time,
/// devices served earliest-due first with staggered start times. A device that is backing off is only probed when the
/// probe cannot delay a healthy neighbour's next poll (its timeout fits before that poll is due), so one dead device
/// never costs its neighbours their cadence. (ThingsBoard's gateway sent on one RS-485 port from several threads;
/// Home Assistant lets one dead device stall the bus.)
/// </summary>
internal sealed partial class LineArbiter : IModbusTransportFactory, ISource, Writes.IPointWriter
{
    private sealed record PendingWrite(PolledDevice Device, ModbusPoint Point, double Value, TaskCompletionSource<Writes.PointWriteResult> Done);

    // Writes wait here and go ahead of the next poll; a few at most (people, not programs, write).
    private readonly System.Threading.Channels.Channel<PendingWrite> _writes =
        System.Threading.Channels.Channel.CreateBounded<PendingWrite>(new System.Threading.Channels.BoundedChannelOptions(8) { SingleReader = true });
    private readonly ModbusLinePlan _line;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly List<PolledDevice> _devices;
    private readonly ModbusStreamTransport _transport;
    private readonly long _probeOverhead;

    /// <summary>
    /// What a probe costs beyond its response timeout besides the wire time: the timer firing late and the task resuming
    /// (6-8 ms measured on a loaded 2-core machine with a 100 ms timeout). Without it a probe whose timeout just fits
    /// delayed the next healthy poll by that much.
    /// </summary>
    private static readonly TimeSpan ProbeSlack = TimeSpan.FromMilliseconds(20);

    private long _busyTicks;
    private readonly bool _writable;

    public LineArbiter(ModbusLinePlan line, TimeProvider time, ILogger logger, TimeSpan maxBackoff)
    {
        _line = line;
        _time = time;
        _logger = logger;
        _transport = line.Endpoint.CreateTransport(new ModbusTransportOptions { ResponseTimeout = line.Timeout, MinimumRequestGap = line.MinRequestGap }, time);
        _devices = [.. line.Devices.Select(d => new PolledDevice(d, line, this, time, maxBackoff))];
        _writable = line.Devices.Any(d => d.ResolvedPoints.Any(p => p.Write is not null));
        // Silent interval and request gap before the request, and the request on the wire (a one-read probe is 8 bytes).
        var serial = line.Endpoint.Serial;
        var overhead = line.MinRequestGap + ProbeSlack + (serial is null ? TimeSpan.Zero : serial.InterFrameDelay + serial.FrameTime(8));
        _probeOverhead = Ticks(overhead);
    }

    public IModbusTransport Transport => _transport;

    public IReadOnlyList<PolledDevice> Devices => _devices;

    public string Name => $"modbus line {_line.Key}";

    public IReadOnlyList<object> MadeFrom => [_line];

    /// <summary>The line's key (its id, or the endpoint of devices that name their own).</summary>
    public string Key => _line.Key;

    /// <summary>Time spent polling since the line started (the bus busy with this line's requests).</summary>
    public TimeSpan BusyTime => TimeSpan.FromSeconds((double)Interlocked.Read(ref _busyTicks) / _time.TimestampFrequency);

    /// <summary>Where each poll is counted; set by <see cref="ModbusSources"/>.</summary>
    public ModbusMetrics? Metrics { get; set; }

    /// <summary>Polls the line's devices into <paramref name="output"/> until cancelled.</summary>
    public Task RunAsync(System.Threading.Channels.ChannelWriter<ReadingBatch> output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        return RunAsync(output.WriteAsync, cancellationToken);
    }

    public async Task RunAsync(Func<ReadingBatch, CancellationToken, ValueTask> publish, CancellationToken cancellationToken)
    {
        Stagger();
        while (!cancellationToken.IsCancellationRequested)
        {
            while (_writes.Reader.TryRead(out var write))
                await WriteNowAsync(write, cancellationToken).ConfigureAwait(false);
            var device = NextDevice(out long wait);
            if (wait > 0)
            {
                await WaitAsync(TimeSpan.FromSeconds((double)wait / _time.TimestampFrequency), cancellationToken).ConfigureAwait(false);
                continue; // something may have changed (a write came); choose again
            }
            bool wasOnline = device.Online;
            var batch = await device.PollAsync(cancellationToken).ConfigureAwait(false);
            long now = _time.GetTimestamp();
            Interlocked.Add(ref _busyTicks, (long)(device.LastResponseTime.TotalSeconds * _time.TimestampFrequency)); // the poll's own measure
            Metrics?.Polled(device, _line.Key, device.LastFailure);
            device.Reschedule(now);
            if (wasOnline != device.Online)
            {
                if (device.Online)
                    LogOnline(device.Options.Id, _line.Key);
                else
                    LogOffline(device.Options.Id, _line.Key, device.ConsecutiveFailures, device.LastError);
            }
            await publish(batch, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Until the next poll is due, or a write comes.</summary>
    private async Task WaitAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        if (!_writable)
        {
            // No point of this line may be written, so no write ever comes: the plain wait, nothing allocated per poll.
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
            return;
        }
        using var woken = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(wait, _time, woken.Token);
        var write = _writes.Reader.WaitToReadAsync(woken.Token).AsTask();
        await Task.WhenAny(delay, write).ConfigureAwait(false);
        await woken.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task WriteNowAsync(PendingWrite write, CancellationToken cancellationToken)
    {
        try
        {
            var result = await write.Device.WriteAsync(write.Point, write.Value, cancellationToken).ConfigureAwait(false);
            LogWrite(write.Device.Options.Id, write.Point.Id, write.Value, result.Before, result.After, result.Error ?? "written");
            write.Done.TrySetResult(result);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            write.Done.TrySetResult(Writes.PointWriteResult.Refused("the gateway is stopping: nothing was written"));
            throw;
        }
    }

    public bool Has(string deviceId) => _devices.Any(d => d.Options.Id == deviceId);

    /// <summary>Queues the write for this line, ahead of the next poll; refused while the device is offline.</summary>
    public async Task<Writes.PointWriteResult> WriteAsync(string deviceId, string pointId, double value, CancellationToken cancellationToken)
    {
        var device = _devices.FirstOrDefault(d => d.Options.Id == deviceId);
        var point = device?.Options.ResolvedPoints.FirstOrDefault(p => p.Id == pointId);
        if (device is null || point is null)
            return Writes.PointWriteResult.Refused($"{deviceId}/{pointId} is not a point of line {_line.Key}");
        if (!device.Online)
            return Writes.PointWriteResult.Refused($"device {deviceId} is offline ({device.LastError}): nothing was written");
        var pending = new PendingWrite(device, point, value, new TaskCompletionSource<Writes.PointWriteResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_writes.Writer.TryWrite(pending))
            return Writes.PointWriteResult.Refused($"line {_line.Key} has writes waiting: try again in a moment");
        return await pending.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>First polls spread over the shortest interval, so devices do not all ask at once.</summary>
    private void Stagger()
    {
        long now = _time.GetTimestamp();
        long spread = Ticks(_devices.Min(d => d.Options.Interval));
        for (int i = 0; i < _devices.Count; i++)
            _devices[i].NextDue = now + spread * i / _devices.Count;
    }

    /// <summary>The device to poll now, or the time to wait. Healthy devices first; a probe only where it fits.</summary>
    private PolledDevice NextDevice(out long wait)
    {
        long now = _time.GetTimestamp();
        PolledDevice? next = null;
        foreach (var device in _devices)
        {
            if (next is null || device.NextDue < next.NextDue || (device.NextDue == next.NextDue && !device.BackingOff && next.BackingOff))
                next = device;
        }
        if (next!.NextDue > now)
        {
            wait = next.NextDue - now;
            return next;
        }
        if (next.BackingOff)
        {
            long probeCost = Ticks(next.Timeout) + _probeOverhead;
            long? healthyDue = _devices.Where(d => !d.BackingOff).Select(d => (long?)d.NextDue).Min();
            if (healthyDue is { } due && due < now + probeCost)
            {
                next.NextDue = due + 1; // after that healthy poll
                wait = due - now;
                return next;
            }
        }
        wait = 0;
        return next;
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} on line {Line} is offline after {Failures} failed polls: {Error}")]
    private partial void LogOffline(string deviceId, string line, int failures, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Write {DeviceId}/{PointId} = {Value}: before {Before}, after {After}: {Outcome}")]
    private partial void LogWrite(string deviceId, string pointId, double value, double? before, double? after, string outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId} on line {Line} is online")]
    private partial void LogOnline(string deviceId, string line);

    public ValueTask DisposeAsync() => _transport.DisposeAsync();
}
