using FacilityGateway.Configuration.Yaml;
using FacilityGateway.Modbus.Codec;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;
using FacilityGateway.Sources.Modbus;
using FacilityGateway.Sources.Modbus.Profiles;

namespace FacilitySimulator.Plant;

/// <summary>
/// A device's registers laid out by the same profile the gateway reads (config/profiles), so there is one source of truth
/// for every register map. Values are set in engineering units and encoded with the point's type, order and scaling.
/// </summary>
public sealed class ProfileRegisters
{
    private readonly Dictionary<string, ModbusPoint> _points;
    private readonly ModbusUnitMemory _memory;

    public ProfileRegisters(string profilesDirectory, string profileId, ModbusUnitMemory memory)
    {
        var errors = new ConfigErrors();
        var profile = new ProfileCatalog(profilesDirectory, errors, _ => null).Find(profileId, out bool exists);
        if (!exists || profile is null || errors.HasErrors)
            throw new InvalidOperationException($"profile {profileId} not found or invalid in {profilesDirectory}: {string.Join("; ", errors.Items)}");
        _points = profile.Points
            .Select(p => ModbusDeviceKind.Resolve(p, profile.Defaults, null, errors))
            .OfType<ModbusPoint>()
            .ToDictionary(p => p.Id, StringComparer.Ordinal);
        _memory = memory;
        // Only the registers of the profile exist, as on a real meter: anything else answers Illegal Data Address.
        foreach (var point in _points.Values)
            memory.Define(point.Table, point.Address, point.Width);
    }

    public IEnumerable<string> PointIds => _points.Keys;

    /// <summary>Sets a point to an engineering value.</summary>
    public void Set(string pointId, double value)
    {
        var point = _points[pointId];
        if (point.Table.IsBitTable())
        {
            _memory.SetBits(point.Table, point.Address, [value != 0]);
            return;
        }
        var registers = new ushort[point.Width];
        if (point.Format.Type == ModbusDataType.Bit)
        {
            _memory.GetRegisters(point.Table, point.Address, registers);
            ModbusValueCodec.EncodeDouble(value, point.Format, registers);
        }
        else
        {
            double raw = point.Scaling.Remove(value);
            if (point.Format.Type is ModbusDataType.Float32 or ModbusDataType.Float64)
                ModbusValueCodec.EncodeDouble(raw, point.Format, registers);
            else
                ModbusValueCodec.EncodeDouble(Saturate(Math.Round(raw), point.Format.Type), point.Format, registers);
        }
        _memory.SetRegisters(point.Table, point.Address, registers);
    }

    /// <summary>A value beyond its register's range saturates, as a real device's register does.</summary>
    private static double Saturate(double raw, ModbusDataType type) => type switch
    {
        ModbusDataType.Int16 => Math.Clamp(raw, short.MinValue, short.MaxValue),
        ModbusDataType.UInt16 => Math.Clamp(raw, 0, ushort.MaxValue),
        ModbusDataType.Int32 => Math.Clamp(raw, int.MinValue, int.MaxValue),
        ModbusDataType.UInt32 => Math.Clamp(raw, 0, uint.MaxValue),
        ModbusDataType.UInt64 => Math.Max(raw, 0),
        _ => raw,
    };
}
