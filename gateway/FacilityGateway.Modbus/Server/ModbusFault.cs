using FacilityGateway.Modbus.Protocol;

namespace FacilityGateway.Modbus.Server;

/// <summary>What a server does instead of (or besides) answering normally. For simulators and tests.</summary>
public enum ModbusFaultKind
{
    /// <summary>Answer normally.</summary>
    None,
    /// <summary>Answer with an exception response carrying <see cref="ModbusFault.Code"/>.</summary>
    ExceptionResponse,
    /// <summary>Send nothing: the client times out.</summary>
    Drop,
    /// <summary>Send the response with a broken CRC (RTU) or transaction id (TCP).</summary>
    Corrupt,
    /// <summary>Send random bytes instead of a frame.</summary>
    Garbage,
}

/// <summary>A fault to inject for one request: what to send and how long to wait before sending it.</summary>
public readonly record struct ModbusFault(ModbusFaultKind Kind, ModbusExceptionCode Code = ModbusExceptionCode.None, TimeSpan Delay = default)
{
    /// <summary>Answer normally.</summary>
    public static ModbusFault None => default;
    /// <summary>Answer with an exception code.</summary>
    public static ModbusFault Exception(ModbusExceptionCode code) => new(ModbusFaultKind.ExceptionResponse, code);
    /// <summary>Answer normally, late.</summary>
    public static ModbusFault Slow(TimeSpan delay) => new(ModbusFaultKind.None, Delay: delay);
    /// <summary>Do not answer.</summary>
    public static ModbusFault Drop => new(ModbusFaultKind.Drop);
    /// <summary>Answer with a damaged frame.</summary>
    public static ModbusFault Corrupt => new(ModbusFaultKind.Corrupt);
    /// <summary>Answer with random bytes.</summary>
    public static ModbusFault Garbage => new(ModbusFaultKind.Garbage);
}

/// <summary>A request as a fault injector sees it.</summary>
public readonly record struct ModbusRequestInfo(byte UnitId, ModbusFunctionCode Function, ushort Address, ushort Count);

/// <summary>Chooses a fault for a request; return <see cref="ModbusFault.None"/> to answer normally.</summary>
public delegate ModbusFault ModbusFaultInjector(ModbusRequestInfo request);
