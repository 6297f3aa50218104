using System.Collections.Concurrent;
using System.Device.Gpio;

namespace FacilityGateway.Sources.Simulated;

/// <summary>
/// A GPIO driver without hardware, under the real <see cref="GpioController"/>: tests and the simulator set input levels
/// and the driver raises the same pin-change callbacks a real chip would. Pull-ups and pull-downs set the idle level.
/// </summary>
public sealed class SimulatedGpioDriver : GpioDriver
{
    private readonly ConcurrentDictionary<int, PinValue> _levels = new();
    private readonly ConcurrentDictionary<int, PinMode> _modes = new();
    private readonly ConcurrentDictionary<int, (PinEventTypes Events, PinChangeEventHandler Handler)[]> _callbacks = new();

    private long _reads;

    /// <summary>How many times a pin was read (a loop that reads far more often than its devices ask is spinning).</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>Pins 0-63.</summary>
    protected override int PinCount => 64;

    /// <summary>Drives an input to a level, as the wiring would; raises the callbacks of an edge.</summary>
    public void SetInput(int pin, PinValue level)
    {
        var previous = _levels.GetValueOrDefault(pin, PinValue.Low);
        _levels[pin] = level;
        if (previous == level)
            return;
        var edge = level == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
        foreach (var (events, handler) in _callbacks.GetValueOrDefault(pin, []))
            if ((events & edge) != 0)
                handler(this, new PinValueChangedEventArgs(edge, pin));
    }

    /// <summary>The level an input reads now.</summary>
    public PinValue Level(int pin) => _levels.GetValueOrDefault(pin, PinValue.Low);

    protected override void OpenPin(int pinNumber) => _levels.TryAdd(pinNumber, PinValue.Low);

    protected override void ClosePin(int pinNumber) => _callbacks.TryRemove(pinNumber, out _);

    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        _modes[pinNumber] = mode;
        if (mode == PinMode.InputPullUp)
            _levels[pinNumber] = PinValue.High;
        else if (mode == PinMode.InputPullDown)
            _levels[pinNumber] = PinValue.Low;
    }

    protected override PinMode GetPinMode(int pinNumber) => _modes.GetValueOrDefault(pinNumber, PinMode.Input);

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => mode is PinMode.Input or PinMode.InputPullUp or PinMode.InputPullDown or PinMode.Output;

    protected override PinValue Read(int pinNumber)
    {
        Interlocked.Increment(ref _reads);
        return Level(pinNumber);
    }

    protected override void Write(int pinNumber, PinValue value) => SetInput(pinNumber, value);

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The gateway uses callbacks, not blocking waits.");

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback) =>
        _callbacks.AddOrUpdate(pinNumber, [(eventTypes, callback)], (_, list) => [.. list, (eventTypes, callback)]);

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback) =>
        _callbacks.AddOrUpdate(pinNumber, [], (_, list) => [.. list.Where(c => c.Handler != callback)]);
}
