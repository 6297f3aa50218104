using FacilityGateway.Sources.Simulated;
using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using System.Threading.Channels;
using FacilityGateway.Readings;
using FacilityGateway.Sources.Writes;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Sources.Gpio;

/// <summary>
/// The gateway's GPIO outputs through <see cref="GpioController"/>: opened without moving them (<c>initial: keep</c>
/// reads the pin first and keeps its level), set only by writes that passed the checks, each read back from the pin,
/// and reported as <c>state</c> at the interval and at once after a write. A pin that cannot be opened makes its
/// device offline with the reason.
/// </summary>
public sealed partial class GpioOutputSource(IReadOnlyList<GpioOutputOptions> outputs, SimulatedGpio simulated, TimeProvider time, ILogger<GpioOutputSource> logger)
    : ISource, IPointWriter
{
    private readonly Dictionary<string, (GpioOutputOptions Options, GpioController Controller)> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _failed = new(StringComparer.Ordinal);
    private readonly Channel<string> _changed = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _pins = new(1, 1);

    public string Name => "gpio outputs";

    public IReadOnlyList<object> MadeFrom => [.. outputs];

    public bool Has(string deviceId) => outputs.Any(o => o.Id == deviceId);

    public async Task RunAsync(ChannelWriter<ReadingBatch> output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        await _pins.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var device in outputs.Where(o => !_open.ContainsKey(o.Id)))
                Open(device);
        }
        finally
        {
            _pins.Release();
        }
        var due = outputs.ToDictionary(o => o.Id, _ => time.GetTimestamp());
        while (!cancellationToken.IsCancellationRequested)
        {
            while (_changed.Reader.TryRead(out var id))
                due[id] = time.GetTimestamp();
            foreach (var device in outputs.Where(o => due[o.Id] <= time.GetTimestamp()))
            {
                due[device.Id] = time.GetTimestamp() + (long)(device.Interval.TotalSeconds * time.TimestampFrequency);
                await output.WriteAsync(await ReportAsync(device, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            }
            var wait = TimeSpan.FromSeconds(Math.Max(0, due.Values.Min() - time.GetTimestamp()) / (double)time.TimestampFrequency);
            using var woken = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            await Task.WhenAny(Task.Delay(wait, time, woken.Token), _changed.Reader.WaitToReadAsync(woken.Token).AsTask()).ConfigureAwait(false);
            await woken.CancelAsync().ConfigureAwait(false);
        }
    }

    private void Open(GpioOutputOptions device)
    {
        try
        {
            var controller = device.Driver == GpioDriverKind.Simulated ? new GpioController(simulated.Chip(device.Chip)) : new GpioController(new LibGpiodDriver(device.Chip));
            PinValue level;
            if (device.Initial == OutputInitial.Keep)
            {
                // Read as an input first, then take the pin as an output at that level: a restart never moves a relay.
                controller.OpenPin(device.Pin, PinMode.Input);
                level = controller.Read(device.Pin);
                controller.ClosePin(device.Pin);
            }
            else
            {
                level = Level(device, device.Initial == OutputInitial.On);
            }
            controller.OpenPin(device.Pin, PinMode.Output, level);
            _open[device.Id] = (device, controller);
            _failed.Remove(device.Id);
        }
        catch (Exception ex) when (ex is PlatformNotSupportedException or IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            string reason = ex is PlatformNotSupportedException
                ? "the libgpiod library is not installed (apt-get install libgpiod2; or driver: simulated on a test bench)"
                : $"pin {device.Pin} of GPIO chip {device.Chip} cannot be opened as an output: {ex.Message}";
            _failed[device.Id] = reason;
            LogCannotOpen(device.Id, reason);
        }
    }

    private static PinValue Level(GpioOutputOptions device, bool on) => on == (device.Active == ActiveLevel.High) ? PinValue.High : PinValue.Low;

    private static bool IsOn(GpioOutputOptions device, PinValue level) => (level == PinValue.High) == (device.Active == ActiveLevel.High);

    private async Task<ReadingBatch> ReportAsync(GpioOutputOptions device, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await _pins.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_open.TryGetValue(device.Id, out var pin))
            {
                bool on = IsOn(device, pin.Controller.Read(device.Pin));
                return new ReadingBatch(device.Id, device.Asset, now,
                [
                    new Reading(device.Id, "state", on ? 1 : 0, InputMeaning.OnOff.Word(on), "", Quality.Good, now),
                    new Reading(device.Id, "health.online", 1, null, "", Quality.Good, now),
                ]);
            }
        }
        finally
        {
            _pins.Release();
        }
        return new ReadingBatch(device.Id, device.Asset, now,
        [
            Reading.Bad(device.Id, "state", "", Quality.BadDeviceFailure, now),
            new Reading(device.Id, "health.online", 0, null, "", Quality.Good, now),
            new Reading(device.Id, "health.last_error", double.NaN, _failed.GetValueOrDefault(device.Id) ?? "not opened yet", "", Quality.Good, now),
        ]);
    }

    /// <summary>Sets the output: 1 on, 0 off (the <c>active</c> level decides the pin's level), and reads the pin back.</summary>
    public async Task<PointWriteResult> WriteAsync(string deviceId, string pointId, double value, CancellationToken cancellationToken)
    {
        await _pins.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_open.TryGetValue(deviceId, out var pin))
                return PointWriteResult.Refused($"output {deviceId} is not open: {_failed.GetValueOrDefault(deviceId) ?? "the gateway is starting"}");
            var (device, controller) = pin;
            double before = IsOn(device, controller.Read(device.Pin)) ? 1 : 0;
            controller.Write(device.Pin, Level(device, value != 0));
            double after = IsOn(device, controller.Read(device.Pin)) ? 1 : 0;
            _changed.Writer.TryWrite(deviceId);
            LogSwitched(deviceId, before, after);
            return new PointWriteResult(true, before, after, null);
        }
        finally
        {
            _pins.Release();
        }
    }

    public ValueTask DisposeAsync()
    {
        foreach (var (_, controller) in _open.Values)
            controller.Dispose(); // the pins stay as they are: closing a line does not change its level on libgpiod
        _open.Clear();
        _pins.Dispose();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "GPIO output {DeviceId} cannot be used: {Reason}")]
    private partial void LogCannotOpen(string deviceId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "GPIO output {DeviceId} switched: {Before} -> {After}")]
    private partial void LogSwitched(string deviceId, double before, double after);
}
