using System.Collections.Concurrent;
using FacilityGateway.Modbus.Protocol;

namespace FacilityGateway.Modbus.Server;

/// <summary>An in-memory <see cref="IModbusDataStore"/>: one <see cref="ModbusUnitMemory"/> per unit id.</summary>
public sealed class ModbusDataStore : IModbusDataStore
{
    private readonly ConcurrentDictionary<byte, ModbusUnitMemory> _units = new();

    /// <summary>Creates a store with the given units.</summary>
    public ModbusDataStore(params byte[] unitIds)
    {
        foreach (byte unit in unitIds)
            AddUnit(unit);
    }

    /// <summary>Adds a unit (or returns the existing one).</summary>
    public ModbusUnitMemory AddUnit(byte unitId) => _units.GetOrAdd(unitId, static _ => new ModbusUnitMemory());

    /// <summary>Removes a unit; it stops answering.</summary>
    public bool RemoveUnit(byte unitId) => _units.TryRemove(unitId, out _);

    /// <summary>The unit's memory.</summary>
    public ModbusUnitMemory this[byte unitId] => _units[unitId];

    /// <summary>Unit ids present.</summary>
    public IEnumerable<byte> UnitIds => _units.Keys.Order();

    /// <inheritdoc />
    public bool HasUnit(byte unitId) => _units.ContainsKey(unitId);

    /// <inheritdoc />
    public ModbusExceptionCode ReadBits(byte unitId, ModbusTable table, ushort start, Span<bool> values) =>
        _units.TryGetValue(unitId, out var unit) ? unit.ReadBits(table, start, values) : ModbusExceptionCode.GatewayTargetDeviceFailedToRespond;

    /// <inheritdoc />
    public ModbusExceptionCode ReadRegisters(byte unitId, ModbusTable table, ushort start, Span<ushort> values) =>
        _units.TryGetValue(unitId, out var unit) ? unit.ReadRegisters(table, start, values) : ModbusExceptionCode.GatewayTargetDeviceFailedToRespond;

    /// <inheritdoc />
    public ModbusExceptionCode WriteCoils(byte unitId, ushort start, ReadOnlySpan<bool> values) =>
        _units.TryGetValue(unitId, out var unit) ? unit.WriteBits(ModbusTable.Coils, start, values) : ModbusExceptionCode.GatewayTargetDeviceFailedToRespond;

    /// <inheritdoc />
    public ModbusExceptionCode WriteHoldingRegisters(byte unitId, ushort start, ReadOnlySpan<ushort> values) =>
        _units.TryGetValue(unitId, out var unit) ? unit.WriteRegisters(ModbusTable.HoldingRegisters, start, values) : ModbusExceptionCode.GatewayTargetDeviceFailedToRespond;
}
