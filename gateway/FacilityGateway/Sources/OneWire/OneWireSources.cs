using FacilityGateway.Configuration;
using FacilityGateway.Sources.Simulated;
using Iot.Device.OneWire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Sources.OneWire;

/// <summary>
/// The 1-Wire sources: the enabled DS18B20 probes, read in turn by one <see cref="PolledSource"/> (the kernel's w1
/// driver converts one probe at a time) through Iot.Device.Bindings' <see cref="OneWireThermometerDevice"/> (async
/// sysfs reads), or from <see cref="SimulatedOneWire"/>.
/// </summary>
internal sealed class OneWireSources : ISourceFactory
{
    public IEnumerable<ISource> Create(SourcePlan plan, IServiceProvider services)
    {
        var probes = plan.Devices.OfType<Ds18b20Options>().ToList();
        if (probes.Count == 0)
            return [];
        var simulated = services.GetRequiredService<SimulatedOneWire>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("FacilityGateway.Sources.OneWire");
        return [new PolledSource("1-wire", [.. probes.Select(p => new Ds18b20Probe(p, simulated))], services.GetRequiredService<TimeProvider>(), logger)];
    }
}
