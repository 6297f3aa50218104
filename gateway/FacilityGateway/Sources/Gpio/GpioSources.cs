using FacilityGateway.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Sources.Gpio;

/// <summary>The GPIO source: one edge loop for every enabled input and pulse counter (see <see cref="GpioSource"/>).</summary>
internal sealed class GpioSources : ISourceFactory
{
    public IEnumerable<ISource> Create(GatewayConfig config, IServiceProvider services)
    {
        if (!config.Devices.OfType<GpioDeviceOptions>().Any(d => d.Enabled))
            return [];
        return [new GpioSource(config, services.GetRequiredService<ISourceStateStore>(), services.GetRequiredService<SimulatedGpio>(),
            services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILoggerFactory>().CreateLogger<GpioSource>())];
    }
}
