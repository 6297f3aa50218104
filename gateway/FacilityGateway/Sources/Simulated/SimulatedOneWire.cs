using System.Collections.Concurrent;

namespace FacilityGateway.Sources.Simulated;

/// <summary>Simulated 1-Wire probes of this process, by id, for tests and the simulator.</summary>
public sealed class SimulatedOneWire
{
    private readonly ConcurrentDictionary<string, double> _celsius = new(StringComparer.Ordinal);

    public void Set(string sensor, double celsius) => _celsius[sensor] = celsius;

    /// <summary>Removes a probe, as an unplugged one.</summary>
    public void Unplug(string sensor) => _celsius.TryRemove(sensor, out _);

    internal double Read(string sensor) =>
        _celsius.TryGetValue(sensor, out double value) ? value : throw new IOException($"1-Wire device {sensor} not found");
}
