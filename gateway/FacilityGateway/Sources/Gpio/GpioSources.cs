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
        if (config.Devices.Any(d => d is GpioInputOptions or PulseCounterOptions && d.Enabled))
            sources.Add(new GpioSource(config, services.GetRequiredService<ISourceStateStore>(), services.GetRequiredService<SimulatedGpio>(),
                services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILoggerFactory>().CreateLogger<GpioSource>()));
        var outputs = config.Devices.OfType<GpioOutputOptions>().Where(d => d.Enabled).ToList();
        if (outputs.Count > 0)
            sources.Add(new GpioOutputSource(outputs, services.GetRequiredService<SimulatedGpio>(), services.GetRequiredService<TimeProvider>(),
                services.GetRequiredService<ILoggerFactory>().CreateLogger<GpioOutputSource>()));
        return sources;
    }
}
