using FacilityGateway.Configuration;
using FacilityGateway.Configuration.Yaml;
using FacilityGateway.Readings;
using YamlDotNet.RepresentationModel;

namespace FacilityGateway.Sources.Gpio;

/// <summary>Which GPIO driver: the Pi's chip through libgpiod, or the simulated driver (no hardware).</summary>
public enum GpioDriverKind { Libgpiod, Simulated }

/// <summary>Which level means "active".</summary>
public enum ActiveLevel { High, Low }

/// <summary>Internal pull resistor.</summary>
public enum PullResistor { None, Up, Down }

/// <summary>What every GPIO device has: the chip and pin (logical, BCM numbering on a Raspberry Pi), level and pull.</summary>
public abstract class GpioDeviceOptions : DeviceOptions
{
    /// <summary>The driver.</summary>
    public GpioDriverKind Driver { get; init; } = GpioDriverKind.Libgpiod;

    /// <summary>GPIO chip (0 on a Raspberry Pi 4; 4 on a Pi 5's header).</summary>
    [Range(0, 16)]
    public int Chip { get; init; }

    /// <summary>Line number on the chip (BCM GPIO number on a Raspberry Pi, not the header pin number).</summary>
    [RequiredKey, Describe("add 'pin:' with the BCM GPIO number, for example pin: 17")]
    [Range(0, 511)]
    public int Pin { get; init; }

    /// <summary>Which level is "active" (wet, running, on, open, a pulse).</summary>
    public ActiveLevel Active { get; init; } = ActiveLevel.High;

    /// <summary>Internal pull resistor.</summary>
    public PullResistor Pull { get; init; } = PullResistor.None;

    /// <summary>Alarm rules of the device's main point (state, or rate for a pulse counter).</summary>
    public YamlNode? Alarms { get; init; }
}

/// <summary><c>kind: gpio_input</c>: a contact on a GPIO pin (leak probe, pump run feedback, lighting relay, door, float switch).</summary>
public sealed class GpioInputOptions : GpioDeviceOptions
{
    /// <summary>What the input means.</summary>
    [RequiredKey, Describe("add 'meaning:' (leak, running, on_off, open_closed)")]
    public InputMeaning Meaning { get; init; }

    /// <summary>A change must be stable this long to count (contact bounce).</summary>
    public TimeSpan Debounce { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>A leak probe's supervision contact: active means the probe is faulty or disconnected.</summary>
    [Range(0, 511)]
    public int? SupervisionPin { get; init; }

    /// <summary>How often the level is read again, to heal a missed edge.</summary>
    public TimeSpan Reread { get; init; } = TimeSpan.FromSeconds(10);

    public override IEnumerable<PointInfo> DescribePoints() =>
        SupervisionPin is null ? [new("state", Meaning.ToString(), "", 0, 0, 1, Meaning)] : [new("state", Meaning.ToString(), "", 0, 0, 1, Meaning), new("sensor_fault", "Sensor fault", "", 0)];

    /// <summary>The <c>alarms:</c> are the state's (a leak probe's are latched P1 unless they say otherwise).</summary>
    public override IEnumerable<PointAlarms> DescribeAlarms() => Alarms is null ? [] : [new(DescribePoints().First(), Alarms, this)];
}

/// <summary><c>kind: pulse_counter</c>: the pulse output of a water, gas or S0 energy meter.</summary>
public sealed class PulseCounterOptions : GpioDeviceOptions
{
    /// <summary>Pulses per unit of <see cref="Unit"/> (1 per litre, 1000 per kWh for S0 1000 imp/kWh).</summary>
    [Range(0.000001, 1_000_000)]
    public double PulsesPerUnit { get; init; } = 1;

    /// <summary>Unit of the total, such as L, m3, kWh.</summary>
    public string Unit { get; init; } = "";

    /// <summary>Unit of the rate (the total's unit per minute or per hour), such as L/min or kW.</summary>
    public string RateUnit { get; init; } = "";

    /// <summary>Multiplier from units per second to the rate unit: 60 for L/min, 3600 for kWh to kW.</summary>
    public double RateFactor { get; init; } = 60;

    /// <summary>Window over which the rate is averaged.</summary>
    public TimeSpan RateWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Shorter pulses are noise, not counted (S0 pulses are at least 30 ms).</summary>
    public TimeSpan MinPulseWidth { get; init; } = TimeSpan.FromMilliseconds(2);

    public override IEnumerable<PointInfo> DescribePoints() =>
        [new("total", "Total", Unit, 0), new("rate", "Rate", RateUnit, 0), new("pulses", "Pulses", "", 0)];

    /// <summary>The <c>alarms:</c> are the rate's.</summary>
    public override IEnumerable<PointAlarms> DescribeAlarms() => Alarms is null ? [] : [new(DescribePoints().First(p => p.Id == "rate"), Alarms, this)];
}

/// <summary>What an output does when the gateway starts: keep what the pin holds (the default), or switch it off or on.</summary>
public enum OutputInitial { Keep, Off, On }

/// <summary>
/// <c>kind: gpio_output</c>: a relay on a GPIO pin (a lighting contactor, a pump enable), set from MQTT, the dashboard or
/// the command line through the write checks (docs/CONTROL.md). Its one point, <c>state</c> (1 on, 0 off), is reported
/// at the interval and after every write.
/// </summary>
public sealed class GpioOutputOptions : GpioDeviceOptions, Writes.IWritableDevice
{
    /// <summary>What the pin does when the gateway starts; <c>keep</c> never moves a relay by restarting.</summary>
    public OutputInitial Initial { get; init; } = OutputInitial.Keep;

    /// <summary>Who may switch it, how often, and the interlocks that hold it.</summary>
    public Writes.PointWriteOptions Write { get; init; } = new();

    public override IEnumerable<PointInfo> DescribePoints() => [new("state", "Output", "", 0, 0, 1, InputMeaning.OnOff)];

    public override IEnumerable<PointAlarms> DescribeAlarms() => Alarms is null ? [] : [new(DescribePoints().First(), Alarms, this)];

    public Writes.WritablePoint? Writable(string pointId) => pointId == "state" ? new Writes.WritablePoint("state", "", true, 1, Write) : null;
}
