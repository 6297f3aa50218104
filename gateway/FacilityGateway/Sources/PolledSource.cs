using System.Threading.Channels;
using FacilityGateway.Readings;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Sources;

/// <summary>
/// The interval scheduler of devices that are read, not heard (I2C sensors, 1-Wire probes): each is read when due,
/// earliest first, its next read one interval after this one started; one that fails reports every point bad with
/// the reason in its health (<see cref="DeviceHealth"/>), and is read again at its next interval. Reads of one group
/// are sequential (one bus, or one kernel driver), so a group is one source.
/// </summary>
public sealed partial class PolledSource(string name, IReadOnlyList<IPolledDevice> devices, TimeProvider time, ILogger logger) : ISource
{
    public string Name => name;

    public IReadOnlyList<object> MadeFrom => [.. devices.Select(d => d.Device)];

    /// <summary>The devices of this group.</summary>
    public IReadOnlyList<IPolledDevice> Devices => devices;

    public async Task RunAsync(ChannelWriter<ReadingBatch> output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (devices.Count == 0)
            return;
        var due = devices.ToDictionary(d => d, _ => time.GetTimestamp());
        var health = devices.ToDictionary(d => d, d => new DeviceHealth(d.Device.Id));
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var polled in devices.Where(d => due[d] <= time.GetTimestamp()))
            {
                var device = polled.Device;
                due[polled] = time.GetTimestamp() + (long)(device.Interval.TotalSeconds * time.TimestampFrequency);
                var at = time.GetUtcNow();
                var deviceHealth = health[polled];
                List<Reading> readings;
                try
                {
                    var read = await polled.ReadAsync(at, cancellationToken).ConfigureAwait(false);
                    readings = [.. read.Readings];
                    if (read.Problem is { } problem)
                        deviceHealth.Failed(problem);
                    else
                        deviceHealth.Succeeded();
                }
                catch (DeviceUnavailableException ex)
                {
                    LogFailed(device.Kind, device.Id, ex.Message);
                    readings = [.. device.DescribePoints().Where(p => !p.Id.StartsWith("health.", StringComparison.Ordinal)).Select(p => Reading.Bad(device.Id, p.Id, p.Unit, Quality.BadCommFailure, at))];
                    deviceHealth.Failed(ex.Message);
                }
                readings.AddRange(deviceHealth.Readings(at));
                await output.WriteAsync(new ReadingBatch(device.Id, device.Asset, at, readings), cancellationToken).ConfigureAwait(false);
            }
            long next = due.Values.Min();
            await Task.Delay(TimeSpan.FromSeconds(Math.Max(0, next - time.GetTimestamp()) / (double)time.TimestampFrequency), time, cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync()
    {
        foreach (var device in devices)
            device.Dispose();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Kind} {DeviceId} failed: {Error}")]
    private partial void LogFailed(string kind, string deviceId, string error);
}
