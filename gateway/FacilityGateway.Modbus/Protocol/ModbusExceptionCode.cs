namespace FacilityGateway.Modbus.Protocol;

/// <summary>Exception codes a server returns in an exception response (MODBUS Application Protocol v1.1b3, section 7).</summary>
public enum ModbusExceptionCode : byte
{
    /// <summary>Not an exception: the request succeeded. Used by server-side data stores.</summary>
    None = 0x00,
    /// <summary>01: the function code is not allowed by the server.</summary>
    IllegalFunction = 0x01,
    /// <summary>02: the data address (or address + quantity) is not allowed.</summary>
    IllegalDataAddress = 0x02,
    /// <summary>03: a value in the request is not allowed.</summary>
    IllegalDataValue = 0x03,
    /// <summary>04: an unrecoverable error occurred in the server.</summary>
    ServerDeviceFailure = 0x04,
    /// <summary>05: accepted, but it takes long; poll later.</summary>
    Acknowledge = 0x05,
    /// <summary>06: the server is busy with a long command; retry later.</summary>
    ServerDeviceBusy = 0x06,
    /// <summary>08: memory parity error on a file record read.</summary>
    MemoryParityError = 0x08,
    /// <summary>0A: the gateway could not allocate a path to the target.</summary>
    GatewayPathUnavailable = 0x0A,
    /// <summary>0B: the gateway got no response from the target device.</summary>
    GatewayTargetDeviceFailedToRespond = 0x0B,
}
