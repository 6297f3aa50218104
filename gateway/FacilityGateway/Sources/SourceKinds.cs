using FacilityGateway.Configuration;

namespace FacilityGateway.Sources;

/// <summary>The device kinds: a new one is a folder under <c>Sources/</c> with its kind, options and README, and one line here.</summary>
public static class SourceKinds
{
    /// <summary>Adds the device kinds and their whole-configuration checks to the configuration.</summary>
    public static void Register(ConfigurationRegistry registry) => registry
        .AddDeviceKind(new Modbus.ModbusDeviceKind())
        .AddDeviceKind(new Gpio.GpioInputKind())
        .AddDeviceKind(new Gpio.PulseCounterKind())
        .AddDeviceKind(new I2c.Ads1115Kind())
        .AddDeviceKind(new I2c.Bme280Kind())
        .AddDeviceKind(new OneWire.Ds18b20Kind())
        .AddCheck(Modbus.ModbusDeviceKind.CheckLinesUsed);
}
