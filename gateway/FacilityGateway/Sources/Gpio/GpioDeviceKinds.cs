using FacilityGateway.Configuration;

namespace FacilityGateway.Sources.Gpio;

/// <summary><c>kind: gpio_input</c>.</summary>
internal sealed class GpioInputKind : IDeviceKind
{
    public string Name => "gpio_input";

    public DeviceOptions CreateOptions() => new GpioInputOptions();

    public void Validate(DeviceOptions options, ValidationContext context)
    {
        var input = (GpioInputOptions)options;
        GpioPins.CheckUnique(input, context);
        if (input.SupervisionPin == input.Pin)
            context.Errors.Error(input.OriginOf("supervision_pin"), input.PathOf("supervision_pin"), "the supervision contact needs its own pin");
    }
}

/// <summary><c>kind: pulse_counter</c>.</summary>
internal sealed class PulseCounterKind : IDeviceKind
{
    public string Name => "pulse_counter";

    public DeviceOptions CreateOptions() => new PulseCounterOptions();

    public void Validate(DeviceOptions options, ValidationContext context)
    {
        var counter = (PulseCounterOptions)options;
        GpioPins.CheckUnique(counter, context);
        if (counter.RateWindow < TimeSpan.FromSeconds(1))
            context.Errors.Error(counter.OriginOf("rate_window"), counter.PathOf("rate_window"), "the rate window is too short to count pulses in", "use 10s or more");
    }
}

/// <summary><c>kind: gpio_output</c>.</summary>
internal sealed class GpioOutputKind : IDeviceKind
{
    public string Name => "gpio_output";

    public DeviceOptions CreateOptions() => new GpioOutputOptions();

    public void Validate(DeviceOptions options, ValidationContext context)
    {
        var output = (GpioOutputOptions)options;
        GpioPins.CheckUnique(output, context);
        if (output.Pull != PullResistor.None)
            context.Errors.Error(output.OriginOf("pull"), output.PathOf("pull"), "an output has no pull resistor", "leave out pull:");
    }
}

internal static class GpioPins
{
    /// <summary>Two devices on one pin of one chip would fight over it.</summary>
    public static void CheckUnique(GpioDeviceOptions device, ValidationContext context)
    {
        foreach (var other in context.Config.Devices.OfType<GpioDeviceOptions>().TakeWhile(d => d != device))
        {
            var pins = other is GpioInputOptions { SupervisionPin: { } s } ? new[] { other.Pin, s } : [other.Pin];
            if (other.Chip == device.Chip && other.Driver == device.Driver && pins.Contains(device.Pin))
                context.Errors.Error(device.OriginOf("pin"), device.PathOf("pin"), $"pin {device.Pin} of chip {device.Chip} is already used by device '{other.Id}'", "each input needs its own pin");
        }
    }
}
