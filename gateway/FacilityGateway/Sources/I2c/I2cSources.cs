using FacilityGateway.Sources.Simulated;
using System.Device.I2c;
using FacilityGateway.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Sources.I2c;

/// <summary>
/// The I2C sources: one <see cref="PolledSource"/> per bus, its sensors read in turn through Iot.Device.Bindings
/// (ADS1115, BME280) on the bus's own thread (<see cref="I2cBusThread"/>): I2C transfers are blocking ioctl calls and
/// must not block thread-pool threads. A sensor that fails is reported bad, closed, and opened again next time.
/// </summary>
internal sealed class I2cSources : ISourceFactory
{
    public IEnumerable<ISource> Create(SourcePlan plan, IServiceProvider services)
    {
        var simulated = services.GetRequiredService<SimulatedI2c>();
        var time = services.GetRequiredService<TimeProvider>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("FacilityGateway.Sources.I2c");
        foreach (var bus in plan.Devices.OfType<I2cSensorOptions>().GroupBy(d => (d.Driver, d.Bus)))
        {
            var thread = new I2cBusThread($"i2c-{bus.Key.Bus}");
            yield return new PolledSource($"i2c bus {bus.Key.Bus}", [.. bus.Select(o => new I2cPolledSensor(o, thread.Share(), simulated))], time, logger);
        }
    }
}

/// <summary>One sensor of a bus: opened on first use, read on the bus thread, closed after a failure.</summary>
internal sealed class I2cPolledSensor(I2cSensorOptions options, I2cBusThread bus, SimulatedI2c simulated) : IPolledDevice
{
    private I2cSensor? _sensor;

    public DeviceOptions Device => options;

    public async ValueTask<DeviceRead> ReadAsync(DateTimeOffset at, CancellationToken cancellationToken)
    {
        try
        {
            return new DeviceRead(await bus.RunAsync(() => (_sensor ??= Open()).Read(at)).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or PlatformNotSupportedException or ArgumentException)
        {
            await bus.RunAsync(() =>
            {
                _sensor?.Dispose();
                _sensor = null; // opened again next time
                return 0;
            }).ConfigureAwait(false);
            throw new DeviceUnavailableException(ex.Message, ex);
        }
    }

    private I2cSensor Open()
    {
        I2cDevice device = options.Driver == I2cDriverKind.Simulated
            ? options switch
            {
                Ads1115Options => simulated.Ads1115(options.Bus, options.Address),
                _ => simulated.Bme280(options.Bus, options.Address),
            }
            : I2cDevice.Create(new I2cConnectionSettings(options.Bus, options.Address));
        return options switch
        {
            Ads1115Options ads => new Ads1115Sensor(ads, device),
            Bme280Options bme => new Bme280Sensor(bme, device),
            _ => throw new InvalidOperationException($"no I2C sensor for {options.Kind}"),
        };
    }

    public void Dispose()
    {
        _sensor?.Dispose();
        bus.Dispose();
    }
}
