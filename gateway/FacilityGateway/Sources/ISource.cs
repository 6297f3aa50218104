using System.Threading.Channels;
using FacilityGateway.Configuration;
using FacilityGateway.Readings;

namespace FacilityGateway.Sources;

/// <summary>
/// The one contract of every source: something that writes reading batches until it is stopped. A Modbus line (its
/// arbiter is the bus scheduler), the GPIO edge loop, and a group of devices read at their intervals
/// (<see cref="PolledSource"/>, the one interval scheduler with the one health model) are sources. The
/// <see cref="SourceHost"/> runs and supervises them all.
/// </summary>
public interface ISource : IAsyncDisposable
{
    /// <summary>What the logs and health call it: <c>modbus line rs485</c>, <c>i2c bus 1</c>.</summary>
    string Name { get; }

    /// <summary>
    /// What it was made from: its line and its devices' options, as the plan has them. A reload keeps a source running
    /// (its connection, its cadence, its state) while these are unchanged, and restarts it when they change.
    /// </summary>
    IReadOnlyList<object> MadeFrom { get; }

    /// <summary>Reads and writes batches to <paramref name="output"/> (waiting when it is full) until cancelled.</summary>
    Task RunAsync(ChannelWriter<ReadingBatch> output, CancellationToken cancellationToken);
}

/// <summary>A folder of <c>Sources/</c> creating its sources from the configuration (one per line, bus or group).</summary>
public interface ISourceFactory
{
    /// <summary>The sources of <paramref name="plan"/>'s devices of this folder's kinds; none when there are none.</summary>
    IEnumerable<ISource> Create(SourcePlan plan, IServiceProvider services);

    /// <summary>
    /// Registers the instruments of this folder's running <paramref name="sources"/> (those kept over a reload
    /// included) with the host of <paramref name="services"/>, once per host, before the new ones start.
    /// </summary>
    void Observe(IReadOnlyList<ISource> sources, IServiceProvider services)
    {
    }
}

/// <summary>One device read at its interval by a <see cref="PolledSource"/>.</summary>
public interface IPolledDevice : IDisposable
{
    /// <summary>The device's options (id, asset, interval, points).</summary>
    DeviceOptions Device { get; }

    /// <summary>
    /// Reads the device's points, without health points (the scheduler adds them). Throws
    /// <see cref="DeviceUnavailableException"/> when the device cannot be read now: it is reported bad and tried again.
    /// </summary>
    ValueTask<DeviceRead> ReadAsync(DateTimeOffset at, CancellationToken cancellationToken);
}

/// <summary>What one read gave: the readings, and a problem for the device's health when it answered but cannot measure.</summary>
public sealed record DeviceRead(IReadOnlyList<Reading> Readings, string? Problem = null);

/// <summary>The device cannot be read now (absent, unplugged, a bus error): its points are bad until it answers again.</summary>
public sealed class DeviceUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
