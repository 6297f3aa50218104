using FacilityGateway.Configuration;

namespace FacilityGateway.Sources;

/// <summary>
/// The device kinds and the sources they run: a new kind is a folder under <c>Sources/</c> with its kind, options,
/// source and README, a line for its kind below and, for a new folder, a line for its sources.
/// </summary>
public static class SourceKinds
{
    /// <summary>Each folder's sources, run by the <see cref="SourceHost"/>.</summary>
    public static IReadOnlyList<ISourceFactory> Factories { get; } =
    [
        new Modbus.ModbusSources(),
        new Gpio.GpioSources(),
        new I2c.I2cSources(),
        new OneWire.OneWireSources(),
        new Clock.ClockSources(),
    ];

    /// <summary>Adds the device kinds and their whole-configuration checks to the configuration.</summary>
    public static void Register(ConfigurationRegistry registry) => registry
        .AddDeviceKind(new Modbus.ModbusDeviceKind())
        .AddDeviceKind(new Gpio.GpioInputKind())
        .AddDeviceKind(new Gpio.PulseCounterKind())
        .AddDeviceKind(new Gpio.GpioOutputKind())
        .AddDeviceKind(new I2c.Ads1115Kind())
        .AddDeviceKind(new I2c.Bme280Kind())
        .AddDeviceKind(new OneWire.Ds18b20Kind())
        .AddCheck(Modbus.ModbusDeviceKind.CheckLinesUsed);
}
