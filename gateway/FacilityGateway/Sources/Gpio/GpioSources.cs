using FacilityGateway.Sources.Simulated;
using FacilityGateway.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Sources.Gpio;

/// <summary>
/// The GPIO sources: one edge loop for every enabled input and pulse counter (<see cref="GpioSource"/>), and one for the
/// outputs (<see cref="GpioOutputSource"/>).
/// </summary>
internal sealed class GpioSources : ISourceFactory
{
    public IEnumerable<ISource> Create(SourcePlan plan, IServiceProvider services)
    {
        var sources = new List<ISource>();
        var inputs = plan.Devices.OfType<GpioInputOptions>().ToList();
        var counters = plan.Devices.OfType<PulseCounterOptions>().ToList();
        if (inputs.Count + counters.Count > 0)
            sources.Add(new GpioSource(inputs, counters, services.GetRequiredService<ISourceStateStore>(), services.GetRequiredService<SimulatedGpio>(),
                services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILoggerFactory>().CreateLogger<GpioSource>()));
        var outputs = plan.Devices.OfType<GpioOutputOptions>().ToList();
        if (outputs.Count > 0)
            sources.Add(new GpioOutputSource(outputs, services.GetRequiredService<SimulatedGpio>(), services.GetRequiredService<TimeProvider>(),
                services.GetRequiredService<ILoggerFactory>().CreateLogger<GpioOutputSource>()));
        return sources;
    }
}
