namespace FacilityGateway.Modbus.Protocol;

/// <summary>
/// Base of every error this library throws. Callers catch this one type; the subclasses say whether the
/// device answered with an exception response (<see cref="ModbusServerException"/>) or the exchange itself failed
/// (<see cref="ModbusTransportException"/> and its kinds). Socket, I/O and serial errors are translated into these
/// at one boundary, the transport.
/// </summary>
public abstract class ModbusException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected ModbusException(string message, Exception? innerException = null) : base(message, innerException) { }
}

/// <summary>The device answered with an exception response (function code with bit 7 set).</summary>
public sealed class ModbusServerException : ModbusException
{
    /// <summary>Creates the exception for a function and exception code.</summary>
    public ModbusServerException(byte unitId, ModbusFunctionCode function, ModbusExceptionCode code)
        : base($"Unit {unitId} answered function {(byte)function:D2} with exception {(byte)code:X2} ({code}).")
    {
        UnitId = unitId;
        Function = function;
        Code = code;
    }

    /// <summary>The unit that answered.</summary>
    public byte UnitId { get; }
    /// <summary>The function that was refused.</summary>
    public ModbusFunctionCode Function { get; }
    /// <summary>The exception code.</summary>
    public ModbusExceptionCode Code { get; }
}

/// <summary>The exchange failed below the Modbus application layer: no answer, no connection, or a damaged frame.</summary>
public abstract class ModbusTransportException : ModbusException
{
    /// <summary>Creates the exception.</summary>
    protected ModbusTransportException(string message, Exception? innerException = null) : base(message, innerException) { }
}

/// <summary>No (complete) response arrived within the response timeout.</summary>
public sealed class ModbusTimeoutException : ModbusTransportException
{
    /// <summary>Creates the exception.</summary>
    public ModbusTimeoutException(string message, Exception? innerException = null) : base(message, innerException) { }
}

/// <summary>The connection could not be opened or was lost (refused, reset, closed, port missing).</summary>
public sealed class ModbusConnectionException : ModbusTransportException
{
    /// <summary>Creates the exception.</summary>
    public ModbusConnectionException(string message, Exception? innerException = null) : base(message, innerException) { }
}

/// <summary>Why a frame was rejected.</summary>
public enum ModbusFramingError
{
    /// <summary>RTU frame whose CRC-16 does not match.</summary>
    Crc,
    /// <summary>MBAP transaction identifier differs from the request's.</summary>
    TransactionId,
    /// <summary>MBAP protocol identifier is not 0.</summary>
    ProtocolId,
    /// <summary>A length field or byte count does not fit the function or the request.</summary>
    Length,
    /// <summary>The response is for another unit.</summary>
    UnitId,
    /// <summary>The response carries another function code than the request.</summary>
    Function,
    /// <summary>The response contents contradict the request (echo of a write differs, unknown exception code).</summary>
    Content,
}

/// <summary>A response arrived but was damaged or did not belong to the request. Never turned into a value.</summary>
public sealed class ModbusFramingException : ModbusTransportException
{
    /// <summary>Creates the exception.</summary>
    public ModbusFramingException(ModbusFramingError error, string message) : base(message) => Error = error;

    /// <summary>What was wrong with the frame.</summary>
    public ModbusFramingError Error { get; }
}
