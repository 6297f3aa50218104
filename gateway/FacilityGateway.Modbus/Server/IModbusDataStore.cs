using FacilityGateway.Modbus.Protocol;

namespace FacilityGateway.Modbus.Server;

/// <summary>
/// Register storage behind a server: the four tables of each unit. Methods return
/// <see cref="ModbusExceptionCode.None"/> on success or the exception code the server sends back.
/// Implementations must be safe for concurrent calls.
/// </summary>
public interface IModbusDataStore
{
    /// <summary>True when the unit exists; a server does not answer (RTU) or answers 0B (TCP) for other units.</summary>
    bool HasUnit(byte unitId);

    /// <summary>Reads coils or discrete inputs.</summary>
    ModbusExceptionCode ReadBits(byte unitId, ModbusTable table, ushort start, Span<bool> values);

    /// <summary>Reads input or holding registers.</summary>
    ModbusExceptionCode ReadRegisters(byte unitId, ModbusTable table, ushort start, Span<ushort> values);

    /// <summary>Writes coils.</summary>
    ModbusExceptionCode WriteCoils(byte unitId, ushort start, ReadOnlySpan<bool> values);

    /// <summary>Writes holding registers.</summary>
    ModbusExceptionCode WriteHoldingRegisters(byte unitId, ushort start, ReadOnlySpan<ushort> values);
}
