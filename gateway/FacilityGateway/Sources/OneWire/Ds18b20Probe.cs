using FacilityGateway.Configuration;
using FacilityGateway.Readings;
using FacilityGateway.Sources.Simulated;
using Iot.Device.OneWire;

namespace FacilityGateway.Sources.OneWire;

/// <summary>One DS18B20 probe: 85.0 °C and -127 are not temperatures but failed conversions, reported bad.</summary>
internal sealed class Ds18b20Probe(Ds18b20Options probe, SimulatedOneWire simulated) : IPolledDevice
{
    public DeviceOptions Device => probe;

    public async ValueTask<DeviceRead> ReadAsync(DateTimeOffset at, CancellationToken cancellationToken)
    {
        double celsius;
        try
        {
            celsius = probe.Driver == OneWireDriverKind.Simulated
                ? simulated.Read(probe.Sensor)
                : (await new OneWireThermometerDevice(probe.Bus, probe.Sensor).ReadTemperatureAsync().ConfigureAwait(false)).DegreesCelsius;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
        {
            throw new DeviceUnavailableException(ex.Message, ex);
        }
        var quality = Ds18b20Values.QualityOf(celsius);
        return quality.IsBad()
            ? new DeviceRead([Reading.Bad(probe.Id, "temperature", "°C", quality, at)], $"the probe answered {celsius:0.#} °C, a value it gives when it cannot measure")
            : new DeviceRead([new Reading(probe.Id, "temperature", celsius, null, "°C", quality, at)]);
    }

    public void Dispose()
    {
    }
}
