using System.Runtime.CompilerServices;
using FacilityGateway.Modbus.Protocol;

namespace FacilityGateway.Modbus.Framing;

/// <summary>
/// Modbus RTU framing (Modbus over Serial Line v1.02, section 2.5.1): address, PDU, CRC-16 low byte first.
/// <code>
/// 00     Slave address (unit id)
/// 01     Function code
/// 02-    Data
/// n-2    CRC low, n-1 CRC high
/// </code>
/// RTU has no length field, so a reader derives the frame length from the function code and, for reads, the byte count.
/// The silent interval between frames is kept by the transport (it knows the line's baud rate), not here.
/// </summary>
public sealed class RtuFraming : IModbusFraming
{
    /// <summary>The one instance; the framing has no state.</summary>
    public static readonly RtuFraming Instance = new();

    /// <summary>An RTU frame is at most 256 bytes (section 2.5.1.1).</summary>
    public const int MaxFrameLength = 256;

    private RtuFraming() { }

    /// <inheritdoc />
    public bool UnitZeroIsBroadcast => true;

    /// <inheritdoc />
    public int PduOffset => 1;

    /// <inheritdoc />
    public int MaxAduLength => MaxFrameLength + 4; // room for a byte count of 255 from a misbehaving device

    /// <inheritdoc />
    public int Seal(Span<byte> adu, byte unitId, ushort transactionId, int pduLength)
    {
        adu[0] = unitId;
        return Crc16.Append(adu, 1 + pduLength);
    }

    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> ReadResponseAsync(Stream stream, Memory<byte> adu, byte unitId, ushort transactionId, CancellationToken cancellationToken)
    {
        // A whole, valid frame from another unit is a late answer to an earlier request that timed out (a slow meter
        // behind a serial device server): it is skipped, and ours is read after it, within the same timeout.
        while (true)
        {
            var (length, from) = await ReadFrameAsync(stream, adu, cancellationToken).ConfigureAwait(false);
            if (from == unitId)
                return length - 3;
        }
    }

    /// <summary>Reads one response frame; returns its length and the unit it comes from.</summary>
    private static async ValueTask<(int Length, byte Unit)> ReadFrameAsync(Stream stream, Memory<byte> adu, CancellationToken cancellationToken)
    {
        await stream.ReadExactAsync(adu[..2], cancellationToken).ConfigureAwait(false);
        byte function = adu.Span[1];
        int have = 2, length;
        if ((function & ModbusPdu.ExceptionFlag) != 0)
        {
            length = 5; // address, function | 0x80, exception code, CRC
        }
        else
        {
            switch ((ModbusFunctionCode)function)
            {
                case ModbusFunctionCode.ReadCoils:
                case ModbusFunctionCode.ReadDiscreteInputs:
                case ModbusFunctionCode.ReadHoldingRegisters:
                case ModbusFunctionCode.ReadInputRegisters:
                case ModbusFunctionCode.ReadWriteMultipleRegisters:
                    await stream.ReadExactAsync(adu.Slice(2, 1), cancellationToken).ConfigureAwait(false);
                    have = 3;
                    length = 3 + adu.Span[2] + 2; // address, function, byte count, data, CRC
                    break;
                case ModbusFunctionCode.WriteSingleCoil:
                case ModbusFunctionCode.WriteSingleRegister:
                case ModbusFunctionCode.WriteMultipleCoils:
                case ModbusFunctionCode.WriteMultipleRegisters:
                    length = 8; // address, function, 4 bytes, CRC
                    break;
                default:
                    throw new ModbusFramingException(ModbusFramingError.Function, $"RTU response with unknown function code {function:X2}; cannot find the frame end.");
            }
        }
        await stream.ReadExactAsync(adu[have..length], cancellationToken).ConfigureAwait(false);
        var frame = adu.Span[..length];
        if (!Crc16.IsValid(frame))
            throw new ModbusFramingException(ModbusFramingError.Crc, "RTU response CRC does not match.");
        return (length, frame[0]);
    }

    /// <inheritdoc />
    public bool KeepsConnectionAfterTimeout => true;

    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<(byte UnitId, ushort TransactionId, int PduLength)> ReadRequestAsync(Stream stream, Memory<byte> adu, CancellationToken cancellationToken)
    {
        await stream.ReadExactAsync(adu[..2], cancellationToken).ConfigureAwait(false);
        int length;
        switch ((ModbusFunctionCode)adu.Span[1])
        {
            case ModbusFunctionCode.ReadCoils:
            case ModbusFunctionCode.ReadDiscreteInputs:
            case ModbusFunctionCode.ReadHoldingRegisters:
            case ModbusFunctionCode.ReadInputRegisters:
            case ModbusFunctionCode.WriteSingleCoil:
            case ModbusFunctionCode.WriteSingleRegister:
                length = 8; // address, function, 4 bytes, CRC
                await stream.ReadExactAsync(adu[2..length], cancellationToken).ConfigureAwait(false);
                break;
            case ModbusFunctionCode.WriteMultipleCoils:
            case ModbusFunctionCode.WriteMultipleRegisters:
                await stream.ReadExactAsync(adu[2..7], cancellationToken).ConfigureAwait(false);
                length = 7 + adu.Span[6] + 2; // address, function, start, quantity, byte count, data, CRC
                await stream.ReadExactAsync(adu[7..length], cancellationToken).ConfigureAwait(false);
                break;
            case ModbusFunctionCode.ReadWriteMultipleRegisters:
                await stream.ReadExactAsync(adu[2..11], cancellationToken).ConfigureAwait(false);
                length = 11 + adu.Span[10] + 2;
                await stream.ReadExactAsync(adu[11..length], cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new ModbusFramingException(ModbusFramingError.Function, $"RTU request with unsupported function code {adu.Span[1]:X2}.");
        }
        if (!Crc16.IsValid(adu.Span[..length]))
            throw new ModbusFramingException(ModbusFramingError.Crc, "RTU request CRC does not match.");
        return (adu.Span[0], 0, length - 3);
    }
}
