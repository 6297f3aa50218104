using System.Collections.Concurrent;

namespace FacilityGateway.Sources.Simulated;

/// <summary>The simulated GPIO chips of this process (<c>driver: simulated</c>), for tests and the simulator to drive.</summary>
public sealed class SimulatedGpio
{
    private readonly ConcurrentDictionary<int, SimulatedGpioDriver> _chips = new();

    /// <summary>The driver of a chip (created on first use).</summary>
    public SimulatedGpioDriver Chip(int chip) => _chips.GetOrAdd(chip, _ => new SimulatedGpioDriver());
}
