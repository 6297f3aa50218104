using System.Device.I2c;
using FacilityGateway.Configuration;
using FacilityGateway.Readings;
using Iot.Device.Ads1115;
using Iot.Device.Bmxx80;
using Iot.Device.Bmxx80.PowerMode;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Sources.I2c;

/// <summary>
/// Reads I2C sensors through Iot.Device.Bindings (ADS1115, BME280) on one dedicated thread: I2C transfers are blocking
/// ioctl calls, and must not block thread-pool threads. A sensor that fails is reported bad and tried again next time.
/// </summary>
public sealed partial class I2cSensorService(GatewayConfig config, ReadingChannel channel, SimulatedI2c simulated, TimeProvider time, ILogger<I2cSensorService> logger) : BackgroundService
{
    private abstract class I2cSensor(I2cSensorOptions options, I2cDevice device) : IDisposable
    {
        public I2cSensorOptions Options => options;
        public I2cDevice Device => device;
        public long Due { get; set; }
        public abstract List<Reading> Read(DateTimeOffset now);
        public virtual void Dispose() => device.Dispose();
    }

    private sealed class Ads1115Sensor(Ads1115Options options, I2cDevice device) : I2cSensor(options, device)
    {
        // Several channels of one chip are several devices in YAML: each read selects its own input and converts once
        // (single-shot). In continuous mode the chip kept converting the input set last, so every channel read the
        // channel opened last (12 mA read as 4 mA).
        private readonly InputMultiplexer _input = (InputMultiplexer)(4 + options.Channel);
        private readonly Ads1115 _adc = new(device, (InputMultiplexer)(4 + options.Channel), MeasuringRange.FS6144, DataRate.SPS128, DeviceMode.PowerDown);

        public override List<Reading> Read(DateTimeOffset now)
        {
            double volts = _adc.ReadVoltage(_input).Volts;
            double milliamps = volts / options.ShuntOhms * 1000;
            var (value, quality) = LoopScaling.Scale(milliamps, options.RangeMin, options.RangeMax, options.WireBreakBelowMilliamps);
            return
            [
                new Reading(options.Id, "value", value, null, options.Unit, quality, now),
                new Reading(options.Id, "current", milliamps, null, "mA", Quality.Good, now),
            ];
        }

        public override void Dispose()
        {
            _adc.Dispose();
            base.Dispose();
        }
    }

    private sealed class Bme280Sensor(Bme280Options options, I2cDevice device) : I2cSensor(options, device)
    {
        private readonly Bme280 _sensor = Create(device);

        private static Bme280 Create(I2cDevice device)
        {
            var sensor = new Bme280(device) { TemperatureSampling = Sampling.UltraLowPower, PressureSampling = Sampling.UltraLowPower, HumiditySampling = Sampling.UltraLowPower };
            sensor.SetPowerMode(Bmx280PowerMode.Normal);
            return sensor;
        }

        public override List<Reading> Read(DateTimeOffset now)
        {
            var result = _sensor.Read();
            return
            [
                Value("temperature", result.Temperature?.DegreesCelsius, "°C", now),
                Value("humidity", result.Humidity?.Percent, "%", now),
                Value("pressure", result.Pressure?.Hectopascals, "hPa", now),
            ];
        }

        private Reading Value(string point, double? value, string unit, DateTimeOffset now) =>
            value is { } v && double.IsFinite(v) ? new Reading(options.Id, point, v, null, unit, Quality.Good, now) : Reading.Bad(options.Id, point, unit, Quality.BadDecodeError, now);

        public override void Dispose()
        {
            _sensor.Dispose();
            base.Dispose();
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sensors = config.Devices.OfType<I2cSensorOptions>().Where(d => d.Enabled).ToList();
        if (sensors.Count == 0)
            return Task.CompletedTask;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Loop(sensors, stoppingToken);
                done.TrySetResult();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                done.TrySetException(ex);
            }
        }) { IsBackground = true, Name = "i2c" };
        thread.Start();
        return done.Task;
    }

    /// <summary>The sensor thread: opens each sensor (again after a failure) and reads it at its interval.</summary>
    private void Loop(List<I2cSensorOptions> options, CancellationToken stoppingToken)
    {
        var sensors = new Dictionary<I2cSensorOptions, I2cSensor?>();
        var due = options.ToDictionary(o => o, _ => time.GetTimestamp());
        var health = options.ToDictionary(o => o, o => new DeviceHealth(o.Id));
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                long now = time.GetTimestamp();
                foreach (var o in options.Where(o => due[o] <= now))
                {
                    due[o] = now + (long)(o.Interval.TotalSeconds * time.TimestampFrequency);
                    var at = time.GetUtcNow();
                    List<Reading> readings;
                    var deviceHealth = health[o];
                    try
                    {
                        var sensor = sensors.GetValueOrDefault(o) ?? (sensors[o] = Open(o));
                        readings = sensor.Read(at);
                        deviceHealth.Succeeded();
                    }
                    catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or PlatformNotSupportedException or ArgumentException)
                    {
                        LogFailed(o.Id, ex.Message);
                        sensors.GetValueOrDefault(o)?.Dispose();
                        sensors[o] = null; // opened again next time
                        readings = [.. o.DescribePoints().Where(p => !p.Id.StartsWith("health.", StringComparison.Ordinal)).Select(p => Reading.Bad(o.Id, p.Id, p.Unit, Quality.BadCommFailure, at))];
                        deviceHealth.Failed(ex.Message);
                    }
                    readings.AddRange(deviceHealth.Readings(at));
                    // This thread may wait for room in the channel: it is not a pool thread.
                    channel.Writer.WriteAsync(new ReadingBatch(o.Id, o.Asset, at, readings), stoppingToken).AsTask().GetAwaiter().GetResult();
                }
                long next = due.Values.Min();
                var wait = TimeSpan.FromSeconds(Math.Max(0, next - time.GetTimestamp()) / (double)time.TimestampFrequency);
                stoppingToken.WaitHandle.WaitOne(wait);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var sensor in sensors.Values)
                sensor?.Dispose();
        }
    }

    private I2cSensor Open(I2cSensorOptions options)
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "I2C sensor {DeviceId} failed: {Error}")]
    private partial void LogFailed(string deviceId, string error);
}
