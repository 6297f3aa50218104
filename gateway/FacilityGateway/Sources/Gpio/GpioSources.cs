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
    public IEnumerable<ISource> Create(GatewayConfig config, IServiceProvider services)
    {
        var sources = new List<ISource>();
        var inputs = config.Devices.OfType<GpioInputOptions>().Where(d => d.Enabled).ToList();
        var counters = config.Devices.OfType<PulseCounterOptions>().Where(d => d.Enabled).ToList();
        if (inputs.Count + counters.Count > 0)
            sources.Add(new GpioSource(inputs, counters, services.GetRequiredService<ISourceStateStore>(), services.GetRequiredService<SimulatedGpio>(),
                services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILoggerFactory>().CreateLogger<GpioSource>()));
        var outputs = config.Devices.OfType<GpioOutputOptions>().Where(d => d.Enabled).ToList();
        if (outputs.Count > 0)
            sources.Add(new GpioOutputSource(outputs, services.GetRequiredService<SimulatedGpio>(), services.GetRequiredService<TimeProvider>(),
                services.GetRequiredService<ILoggerFactory>().CreateLogger<GpioOutputSource>()));
        return sources;
    }
}
