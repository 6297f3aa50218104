using FacilityGateway.Sources.Simulated;
using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using System.Threading.Channels;
using FacilityGateway.Configuration;
using FacilityGateway.Readings;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Sources.Gpio;

/// <summary>
/// Reads GPIO devices through <see cref="GpioController"/>: edge callbacks (not polling) feed one loop that debounces
/// inputs, counts pulses, re-reads inputs now and then to heal a missed edge, and reports. A change is reported at once;
/// every device also reports at its interval. Pulse totals are stored (the outbox file's state table) every minute and at stop, so a
/// total never decreases and at most a minute of pulses is lost on power loss.
/// </summary>
public sealed partial class GpioSource(IReadOnlyList<GpioInputOptions> enabledInputs, IReadOnlyList<PulseCounterOptions> enabledCounters, ISourceStateStore stateStore, SimulatedGpio simulated, TimeProvider time, ILogger logger) : ISource
{
    private static readonly TimeSpan PersistEvery = TimeSpan.FromMinutes(1);
    private readonly Channel<(int Chip, GpioDriverKind Driver, int Pin, PinEventTypes Edge, long At)> _edges =
        Channel.CreateBounded<(int, GpioDriverKind, int, PinEventTypes, long)>(new BoundedChannelOptions(200_000) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Dictionary<(GpioDriverKind, int), GpioController> _controllers = [];
    private long _droppedEdges;

    public string Name => "gpio";

    public IReadOnlyList<object> MadeFrom => [.. enabledInputs, .. enabledCounters];

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public async Task RunAsync(ChannelWriter<ReadingBatch> output, CancellationToken cancellationToken)
    {
        var inputs = enabledInputs.ToList();
        var counters = enabledCounters.ToList();
        if (inputs.Count + counters.Count == 0)
            return;
        var stored = (await stateStore.LoadAsync("pulse_counter", cancellationToken).ConfigureAwait(false))
            .ToDictionary(r => r.Key, r => long.Parse(r.Json, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture)); // a JSON number

        var inputStates = new Dictionary<GpioInputOptions, DigitalInputState>();
        var faultStates = new Dictionary<GpioInputOptions, DigitalInputState>();
        var counterStates = new Dictionary<PulseCounterOptions, PulseCounterState>();
        var byPin = new Dictionary<(GpioDriverKind, int, int), Action<PinEventTypes, long>>();
        var failed = new Dictionary<GpioDeviceOptions, string>(); // devices whose pins could not be opened, and why
        foreach (var input in inputs)
        {
            if (TryOpen(input, input.Pin, failed) is not { } controller)
                continue;
            var state = inputStates[input] = new DigitalInputState(input.Debounce, IsActive(input, controller.Read(input.Pin)));
            byPin[(input.Driver, input.Chip, input.Pin)] = (_, at) => state.OnEdge(at);
            if (input.SupervisionPin is { } supervision)
            {
                if (TryOpen(input, supervision, failed) is null)
                {
                    inputStates.Remove(input);
                    continue;
                }
                var fault = faultStates[input] = new DigitalInputState(input.Debounce, IsActive(input, controller.Read(supervision)));
                byPin[(input.Driver, input.Chip, supervision)] = (_, at) => fault.OnEdge(at);
            }
        }
        foreach (var counter in counters)
        {
            if (TryOpen(counter, counter.Pin, failed) is null)
                continue;
            var state = counterStates[counter] = new PulseCounterState(counter.MinPulseWidth, counter.RateWindow, time.TimestampFrequency);
            if (stored.TryGetValue(counter.Id, out long pulses))
                state.Restore(pulses);
            byPin[(counter.Driver, counter.Chip, counter.Pin)] = (edge, at) =>
            {
                bool active = (edge == PinEventTypes.Rising) == (counter.Active == ActiveLevel.High);
                if (active)
                    state.OnActiveEdge(at);
                else
                    state.OnInactiveEdge(at);
            };
        }

        // Only this loop's devices: an output's entry would never move and keep the loop from ever waiting.
        var nextReport = inputs.Concat<GpioDeviceOptions>(counters).ToDictionary(d => d.Id, _ => time.GetTimestamp());
        inputs.RemoveAll(failed.ContainsKey);
        counters.RemoveAll(failed.ContainsKey);
        long nextReread = time.GetTimestamp(), nextPersist = time.GetTimestamp() + Ticks(PersistEvery);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                long now = time.GetTimestamp();
                long wake = Math.Min(nextReread, nextPersist);
                foreach (var due in inputStates.Values.Concat(faultStates.Values).Select(s => s.DueAt(time)).OfType<long>())
                    wake = Math.Min(wake, due);
                foreach (var at in nextReport.Values)
                    wake = Math.Min(wake, at);
                if (wake > now)
                {
                    using var due = new CancellationTokenSource(TimeSpan.FromSeconds((double)(wake - now) / time.TimestampFrequency), time);
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, due.Token);
                    try
                    {
                        await _edges.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                    }
                }
                while (_edges.Reader.TryRead(out var e))
                    if (byPin.TryGetValue((e.Driver, e.Chip, e.Pin), out var handle))
                        handle(e.Edge, e.At);

                now = time.GetTimestamp();
                bool reread = now >= nextReread;
                if (reread)
                    nextReread = now + Ticks(inputs.Count > 0 ? inputs.Min(i => i.Reread) : TimeSpan.FromSeconds(10));
                foreach (var input in inputs)
                {
                    var controller = _controllers[(input.Driver, input.Chip)];
                    var state = inputStates[input];
                    bool level = IsActive(input, controller.Read(input.Pin));
                    bool changed = state.Settle(now, level, time) | (reread && state.Reread(level));
                    if (faultStates.TryGetValue(input, out var fault))
                    {
                        bool faultLevel = IsActive(input, controller.Read(input.SupervisionPin!.Value));
                        changed |= fault.Settle(now, faultLevel, time) | (reread && fault.Reread(faultLevel));
                    }
                    if (changed || now >= nextReport[input.Id])
                    {
                        await output.WriteAsync(Report(input, state, faultStates.GetValueOrDefault(input)), cancellationToken).ConfigureAwait(false);
                        nextReport[input.Id] = now + Ticks(input.Interval);
                    }
                }
                foreach (var counter in counters)
                {
                    if (now < nextReport[counter.Id])
                        continue;
                    await output.WriteAsync(Report(counter, counterStates[counter], now), cancellationToken).ConfigureAwait(false);
                    nextReport[counter.Id] = now + Ticks(counter.Interval);
                }
                foreach (var (device, reason) in failed)
                {
                    if (now < nextReport[device.Id])
                        continue;
                    await output.WriteAsync(Unreadable(device, reason), cancellationToken).ConfigureAwait(false);
                    nextReport[device.Id] = now + Ticks(device.Interval);
                }
                if (now >= nextPersist)
                {
                    await PersistAsync(counterStates, cancellationToken).ConfigureAwait(false);
                    nextPersist = now + Ticks(PersistEvery);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            await PersistAsync(counterStates, CancellationToken.None).ConfigureAwait(false);
            foreach (var controller in _controllers.Values)
                controller.Dispose();
            _controllers.Clear(); // a restart after a crash opens the pins again
            if (Interlocked.Read(ref _droppedEdges) > 0)
                LogDroppedEdges(Interlocked.Read(ref _droppedEdges));
        }
    }

    /// <summary>The pulse counters' totals, for tests and the status view.</summary>
    public IReadOnlyDictionary<string, long> Totals { get; private set; } = new Dictionary<string, long>();

    /// <summary>Opens a pin; when the chip or the pin cannot be had, says why once and marks the device unreadable.</summary>
    private GpioController? TryOpen(GpioDeviceOptions device, int pin, Dictionary<GpioDeviceOptions, string> failed)
    {
        try
        {
            return Open(device, pin);
        }
        catch (Exception ex) when (ex is PlatformNotSupportedException or IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            string reason = ex switch
            {
                PlatformNotSupportedException => "the libgpiod library is not installed (apt-get install libgpiod2; or driver: simulated on a test bench)",
                IOException or UnauthorizedAccessException => $"GPIO chip {device.Chip} cannot be opened ({ex.Message}): is /dev/gpiochip{device.Chip} there, and is the gateway's user in the gpio group?",
                _ => $"pin {pin} cannot be opened: {ex.Message}",
            };
            failed[device] = reason;
            LogCannotOpen(device.Id, reason);
            return null;
        }
    }

    /// <summary>A device whose pins could not be opened: every point bad, and offline, so its communication-loss alarm opens a ticket.</summary>
    private ReadingBatch Unreadable(GpioDeviceOptions device, string reason)
    {
        var now = time.GetUtcNow();
        return new ReadingBatch(device.Id, device.Asset, now,
        [
            .. device.DescribePoints().Select(p => Reading.Bad(device.Id, p.Id, p.Unit, Quality.BadDeviceFailure, now)),
            new Reading(device.Id, "health.online", 0, null, "", Quality.Good, now),
            new Reading(device.Id, "health.last_error", double.NaN, reason, "", Quality.Good, now),
        ]);
    }

    private GpioController Open(GpioDeviceOptions device, int pin)
    {
        if (!_controllers.TryGetValue((device.Driver, device.Chip), out var controller))
        {
            controller = device.Driver == GpioDriverKind.Simulated
                ? new GpioController(simulated.Chip(device.Chip))
                : new GpioController(new LibGpiodDriver(device.Chip));
            _controllers[(device.Driver, device.Chip)] = controller;
        }
        var mode = device.Pull switch { PullResistor.Up => PinMode.InputPullUp, PullResistor.Down => PinMode.InputPullDown, _ => PinMode.Input };
        controller.OpenPin(pin, mode);
        var driver = device.Driver;
        int chip = device.Chip;
        // The callback only queues the edge with its time: no work on the driver's thread.
        controller.RegisterCallbackForPinValueChangedEvent(pin, PinEventTypes.Rising | PinEventTypes.Falling, (_, e) =>
        {
            if (!_edges.Writer.TryWrite((chip, driver, e.PinNumber, e.ChangeType, time.GetTimestamp())))
                Interlocked.Increment(ref _droppedEdges);
        });
        return controller;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "GPIO device {Device} cannot be read: {Reason}. Its points are reported bad and the rest of the gateway runs on")]
    private partial void LogCannotOpen(string device, string reason);

    private static bool IsActive(GpioDeviceOptions device, PinValue level) => (level == PinValue.High) == (device.Active == ActiveLevel.High);

    private ReadingBatch Report(GpioInputOptions input, DigitalInputState state, DigitalInputState? fault)
    {
        var now = time.GetUtcNow();
        bool faulty = fault?.Active == true;
        var readings = new List<Reading>
        {
            faulty ? Reading.Bad(input.Id, "state", "", Quality.BadDeviceFailure, now) with { Text = "sensor fault" }
                : new Reading(input.Id, "state", state.Active ? 1 : 0, input.Meaning.Word(state.Active), "", Quality.Good, now),
        };
        if (fault is not null)
            readings.Add(new Reading(input.Id, "sensor_fault", faulty ? 1 : 0, null, "", Quality.Good, now));
        return new ReadingBatch(input.Id, input.Asset, now, readings);
    }

    private ReadingBatch Report(PulseCounterOptions counter, PulseCounterState state, long timestamp)
    {
        var now = time.GetUtcNow();
        Totals = new Dictionary<string, long>(Totals) { [counter.Id] = state.Pulses };
        return new ReadingBatch(counter.Id, counter.Asset, now,
        [
            new Reading(counter.Id, "total", state.Pulses / counter.PulsesPerUnit, null, counter.Unit, Quality.Good, now),
            new Reading(counter.Id, "rate", state.PulsesPerSecond(timestamp) / counter.PulsesPerUnit * counter.RateFactor, null, counter.RateUnit, Quality.Good, now),
            new Reading(counter.Id, "pulses", state.Pulses, null, "", Quality.Good, now),
        ]);
    }

    private async Task PersistAsync(Dictionary<PulseCounterOptions, PulseCounterState> counters, CancellationToken cancellationToken)
    {
        if (counters.Count == 0)
            return;
        Totals = counters.ToDictionary(c => c.Key.Id, c => c.Value.Pulses);
        await stateStore.SaveAsync([.. counters.Select(c => ("pulse_counter", c.Key.Id, c.Value.Pulses.ToString(System.Globalization.CultureInfo.InvariantCulture)))], cancellationToken).ConfigureAwait(false);
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} GPIO edge(s) were dropped: the edge queue was full")]
    private partial void LogDroppedEdges(long count);
}
