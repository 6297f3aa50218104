using FacilityGateway.Sources.Simulated;
using System.Device.Gpio;
using FacilityGateway.Sources.Gpio;

namespace FacilitySimulator.Plant;

/// <summary>
/// The plant's contacts wired to the gateway's own GPIO pins (simulated chip 0): the tank-room leak probe (pin 17,
/// active low), the duty pump's run-feedback contact (pin 23), the stair lighting relay on its schedule (pin 24), and the
/// cold water meter's pulse output, one pulse per litre (pin 22, active low).
/// </summary>
public sealed class GpioWiring(SimulatedGpioDriver chip, Func<double> flowLitresPerSecond, Func<bool> pumpRunning) : SimulatedDevice("gpio-wiring")
{
    public const int LeakPin = 17, PulsePin = 22, PumpRunPin = 23, LightingPin = 24;
    private double _pendingLitres;
    private double _clock;
    private bool _wet;

    public override void Tick(DateTimeOffset now, TimeSpan dt)
    {
        _clock += dt.TotalSeconds;
        chip.SetInput(LeakPin, _wet ? PinValue.Low : PinValue.High);
        chip.SetInput(PumpRunPin, pumpRunning() ? PinValue.High : PinValue.Low);
        // The stair lighting follows a (compressed) schedule: on for 20 s, off for 20 s.
        chip.SetInput(LightingPin, _clock % 40 < 20 ? PinValue.High : PinValue.Low);
        _pendingLitres += flowLitresPerSecond() * dt.TotalSeconds;
        while (_pendingLitres >= 1)
        {
            chip.SetInput(PulsePin, PinValue.Low);  // reed contact closes: active low
            chip.SetInput(PulsePin, PinValue.High);
            _pendingLitres -= 1;
        }
    }

    public override bool Fault(string fault, string? target)
    {
        switch (fault)
        {
            case "leak": _wet = true; return true;
            case "clear": _wet = false; return true;
            default: return false;
        }
    }

    public override string Describe() => _wet ? "leak probe WET" : "leak probe dry";
}
