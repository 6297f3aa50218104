using FacilityGateway.Modbus.Protocol;

namespace FacilityGateway.Modbus.Planning;

/// <summary>The outcome for one point of a read cycle.</summary>
public enum PointReadStatus : byte
{
    /// <summary>Not read in this cycle.</summary>
    NotRead,
    /// <summary>Read; the registers hold its value.</summary>
    Good,
    /// <summary>The device refuses this point's address (exception 02); it is isolated and re-probed now and then.</summary>
    IllegalAddress,
    /// <summary>The read failed (timeout, connection, damaged frame or another exception); see the error.</summary>
    Failed,
}

/// <summary>
/// The values of a device's points after a read cycle, kept in one buffer that is reused cycle after cycle.
/// Bit points hold one register per bit, 0 or 1.
/// </summary>
public sealed class DeviceReadResult
{
    private readonly int[] _offsets;
    private readonly ushort[] _widths;
    private readonly ushort[] _values;
    private readonly PointReadStatus[] _status;
    private readonly ModbusException?[] _errors;

    internal DeviceReadResult(IReadOnlyList<PointSpan> points)
    {
        _offsets = new int[points.Count];
        _widths = new ushort[points.Count];
        int total = 0;
        for (int i = 0; i < points.Count; i++)
        {
            _offsets[i] = total;
            _widths[i] = points[i].Width;
            total += points[i].Width;
        }
        _values = new ushort[total];
        _status = new PointReadStatus[points.Count];
        _errors = new ModbusException?[points.Count];
    }

    /// <summary>Number of points.</summary>
    public int Count => _status.Length;

    /// <summary>The outcome for a point.</summary>
    public PointReadStatus Status(int point) => _status[point];

    /// <summary>Why a point is not good, if it is not.</summary>
    public ModbusException? Error(int point) => _errors[point];

    /// <summary>The point's registers (or bits as 0/1), valid when <see cref="Status"/> is <see cref="PointReadStatus.Good"/>.</summary>
    public ReadOnlySpan<ushort> Registers(int point) => _values.AsSpan(_offsets[point], _widths[point]);

    internal void Reset()
    {
        Array.Clear(_status);
        Array.Clear(_errors);
    }

    internal void SetGood(int point, ReadOnlySpan<ushort> registers)
    {
        registers.CopyTo(_values.AsSpan(_offsets[point], _widths[point]));
        _status[point] = PointReadStatus.Good;
        _errors[point] = null;
    }

    internal void SetFailed(int point, PointReadStatus status, ModbusException? error)
    {
        _status[point] = status;
        _errors[point] = error;
    }
}
