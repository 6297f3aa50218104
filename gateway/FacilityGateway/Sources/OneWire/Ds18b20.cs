using System.Collections.Concurrent;
using FacilityGateway.Configuration;
using FacilityGateway.Configuration.Yaml;
using FacilityGateway.Readings;
using Iot.Device.OneWire;
using Microsoft.Extensions.Hosting;
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

/// <summary>Reads DS18B20 probes through Iot.Device.Bindings' <see cref="OneWireThermometerDevice"/> (async sysfs reads).</summary>
public sealed partial class Ds18b20Service(GatewayConfig config, ReadingChannel channel, SimulatedOneWire simulated, TimeProvider time, ILogger<Ds18b20Service> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var probes = config.Devices.OfType<Ds18b20Options>().Where(d => d.Enabled).ToList();
        if (probes.Count == 0)
            return;
        var due = probes.ToDictionary(p => p, _ => time.GetTimestamp());
        var health = probes.ToDictionary(p => p, p => new DeviceHealth(p.Id));
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                foreach (var probe in probes.Where(p => due[p] <= time.GetTimestamp()))
                {
                    due[probe] = time.GetTimestamp() + (long)(probe.Interval.TotalSeconds * time.TimestampFrequency);
                    var now = time.GetUtcNow();
                    Reading reading;
                    try
                    {
                        double celsius = probe.Driver == OneWireDriverKind.Simulated
                            ? simulated.Read(probe.Sensor)
                            : (await new OneWireThermometerDevice(probe.Bus, probe.Sensor).ReadTemperatureAsync().ConfigureAwait(false)).DegreesCelsius;
                        var quality = Ds18b20Values.QualityOf(celsius);
                        reading = quality.IsBad() ? Reading.Bad(probe.Id, "temperature", "°C", quality, now) : new Reading(probe.Id, "temperature", celsius, null, "°C", quality, now);
                        if (quality.IsBad())
                            health[probe].Failed($"the probe answered {celsius:0.#} °C, a value it gives when it cannot measure");
                        else
                            health[probe].Succeeded();
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
                    {
                        LogFailed(probe.Id, ex.Message);
                        reading = Reading.Bad(probe.Id, "temperature", "°C", Quality.BadCommFailure, now);
                        health[probe].Failed(ex.Message);
                    }
                    await channel.Writer.WriteAsync(new ReadingBatch(probe.Id, probe.Asset, now, [reading, .. health[probe].Readings(now)]), stoppingToken).ConfigureAwait(false);
                }
                long next = due.Values.Min();
                await Task.Delay(TimeSpan.FromSeconds(Math.Max(0, next - time.GetTimestamp()) / (double)time.TimestampFrequency), time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "DS18B20 {DeviceId} failed: {Error}")]
    private partial void LogFailed(string deviceId, string error);
}
