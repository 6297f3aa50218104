namespace FacilityGateway.Sources.Writes;

/// <summary>A point that may be written, as the checks of a write see it, whatever kind of device it belongs to.</summary>
/// <param name="Binary">A coil or an output: 0 or 1 only.</param>
/// <param name="Resolution">The smallest change the device can hold (a register's scale): how close the read back must be.</param>
public sealed record WritablePoint(string PointId, string Unit, bool Binary, double Resolution, PointWriteOptions Write);

/// <summary>A device kind whose points can be written (Modbus holding registers and coils, GPIO outputs).</summary>
public interface IWritableDevice
{
    /// <summary>The point if it is declared writable; null when it is read-only or not there.</summary>
    WritablePoint? Writable(string pointId);

    /// <summary>A named command of the device (its profile's), as its steps; null when it has none of that name.</summary>
    IReadOnlyList<CommandStepOptions>? Command(string name) => null;

    /// <summary>The names of its commands.</summary>
    IEnumerable<string> Commands => [];
}
