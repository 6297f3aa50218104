using System.Collections.Concurrent;
using FacilityGateway.Configuration;
using FacilityGateway.Configuration.Yaml;
using FacilityGateway.Readings;
using Iot.Device.OneWire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using YamlDotNet.RepresentationModel;

namespace FacilityGateway.Sources.OneWire;

/// <summary>Which 1-Wire access: the Linux w1 driver's sysfs, or simulated sensors.</summary>
public enum OneWireDriverKind { Linux, Simulated }

/// <summary><c>kind: ds18b20</c>: a Maxim DS18B20 temperature probe on the 1-Wire bus (w1-gpio overlay).</summary>
public sealed class Ds18b20Options : DeviceOptions
{
    /// <summary>The access.</summary>
    public OneWireDriverKind Driver { get; set; } = OneWireDriverKind.Linux;

    /// <summary>The bus, such as w1_bus_master1.</summary>
    public string Bus { get; set; } = "w1_bus_master1";

    /// <summary>The probe's id from /sys/bus/w1/devices, such as 28-0316a2795eff.</summary>
    [RequiredKey, Describe("add 'sensor:' with the probe's id from /sys/bus/w1/devices, for example sensor: 28-0316a2795eff")]
    public string Sensor { get; set; } = "";

    /// <summary>Alarm rules of the temperature.</summary>
    public YamlNode? Alarms { get; set; }

    public override IEnumerable<PointInfo> DescribePoints() => [new("temperature", "Temperature", "°C", 0.1, -55, 125), .. Readings.DeviceHealth.Points];

    /// <summary>The <c>alarms:</c> are the temperature's.</summary>
    public override IEnumerable<PointAlarms> DescribeAlarms() => Alarms is null ? [] : [new(DescribePoints().First(), Alarms, this)];
}

/// <summary><c>kind: ds18b20</c>.</summary>
internal sealed class Ds18b20Kind : IDeviceKind
{
    public string Name => "ds18b20";

    public DeviceOptions CreateOptions() => new Ds18b20Options();

    public void Validate(DeviceOptions options, ValidationContext context)
    {
        var probe = (Ds18b20Options)options;
        if (probe.Sensor.Length > 0 && !probe.Sensor.StartsWith("28-", StringComparison.Ordinal))
            context.Errors.Error(probe.OriginOf("sensor"), probe.PathOf("sensor"), $"'{probe.Sensor}' is not a DS18B20 id", "DS18B20 ids start with 28- (ls /sys/bus/w1/devices)");
    }
}

/// <summary>What a DS18B20 value means: 85.0 °C is its power-on value (a conversion that never ran), -127 a read failure.</summary>
public static class Ds18b20Values
{
    public static Quality QualityOf(double celsius) => celsius switch
    {
        85.0 or -127.0 or double.NaN => Quality.BadDecodeError,
        < -55 or > 125 => Quality.UncertainOutOfRange,
        _ => Quality.Good,
    };
}

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

/// <summary>
/// The 1-Wire sources: the enabled DS18B20 probes, read in turn by one <see cref="PolledSource"/> (the kernel's w1
/// driver converts one probe at a time) through Iot.Device.Bindings' <see cref="OneWireThermometerDevice"/> (async
/// sysfs reads), or from <see cref="SimulatedOneWire"/>.
/// </summary>
internal sealed class OneWireSources : ISourceFactory
{
    public IEnumerable<ISource> Create(GatewayConfig config, IServiceProvider services)
    {
        var probes = config.Devices.OfType<Ds18b20Options>().Where(d => d.Enabled).ToList();
        if (probes.Count == 0)
            return [];
        var simulated = services.GetRequiredService<SimulatedOneWire>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("FacilityGateway.Sources.OneWire");
        return [new PolledSource("1-wire", [.. probes.Select(p => new Ds18b20Probe(p, simulated))], services.GetRequiredService<TimeProvider>(), logger)];
    }
}

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
