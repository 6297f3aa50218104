using System.Runtime.CompilerServices;
using System.Buffers.Binary;
using FacilityGateway.Modbus.Protocol;

namespace FacilityGateway.Modbus.Framing;

/// <summary>
/// Modbus TCP framing: the 7-byte MBAP header (Modbus Messaging on TCP/IP Implementation Guide v1.0b, section 3.1.3)
/// <code>
/// 00-01  Transaction identifier (echoed by the server)
/// 02-03  Protocol identifier, 0 = Modbus
/// 04-05  Length: number of following bytes (unit id + PDU)
/// 06     Unit identifier
/// 07-    PDU
/// </code>
/// </summary>
public sealed class MbapFraming : IModbusFraming
{
    /// <summary>The one instance; the framing has no state.</summary>
    public static readonly MbapFraming Instance = new();

    /// <summary>Length of the MBAP header.</summary>
    public const int HeaderLength = 7;

    private MbapFraming() { }

    /// <inheritdoc />
    public bool UnitZeroIsBroadcast => false;

    /// <inheritdoc />
    public bool KeepsConnectionAfterTimeout => false;

    /// <inheritdoc />
    public int PduOffset => HeaderLength;

    /// <inheritdoc />
    public int MaxAduLength => HeaderLength + ModbusLimits.MaxPduLength;

    /// <inheritdoc />
    public int Seal(Span<byte> adu, byte unitId, ushort transactionId, int pduLength)
    {
        BinaryPrimitives.WriteUInt16BigEndian(adu, transactionId);                    // 00-01 Transaction id
        BinaryPrimitives.WriteUInt16BigEndian(adu[2..], 0);                           // 02-03 Protocol id
        BinaryPrimitives.WriteUInt16BigEndian(adu[4..], (ushort)(pduLength + 1));     // 04-05 Length
        adu[6] = unitId;                                                              // 06    Unit id
        return HeaderLength + pduLength;
    }

    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> ReadResponseAsync(Stream stream, Memory<byte> adu, byte unitId, ushort transactionId, CancellationToken cancellationToken)
    {
        await stream.ReadExactAsync(adu[..HeaderLength], cancellationToken).ConfigureAwait(false);
        var (tid, pduLength) = CheckHeader(adu.Span);
        if (tid != transactionId)
            throw new ModbusFramingException(ModbusFramingError.TransactionId, $"Response transaction id {tid} does not match request {transactionId}.");
        await stream.ReadExactAsync(adu.Slice(HeaderLength, pduLength), cancellationToken).ConfigureAwait(false);
        if (adu.Span[6] != unitId)
            throw new ModbusFramingException(ModbusFramingError.UnitId, $"Response unit id {adu.Span[6]} does not match request {unitId}.");
        return pduLength;
    }

    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<(byte UnitId, ushort TransactionId, int PduLength)> ReadRequestAsync(Stream stream, Memory<byte> adu, CancellationToken cancellationToken)
    {
        await stream.ReadExactAsync(adu[..HeaderLength], cancellationToken).ConfigureAwait(false);
        var (tid, pduLength) = CheckHeader(adu.Span);
        await stream.ReadExactAsync(adu.Slice(HeaderLength, pduLength), cancellationToken).ConfigureAwait(false);
        return (adu.Span[6], tid, pduLength);
    }

    private static (ushort TransactionId, int PduLength) CheckHeader(ReadOnlySpan<byte> header)
    {
        ushort tid = BinaryPrimitives.ReadUInt16BigEndian(header);
        ushort protocol = BinaryPrimitives.ReadUInt16BigEndian(header[2..]);
        int length = BinaryPrimitives.ReadUInt16BigEndian(header[4..]);
        if (protocol != 0)
            throw new ModbusFramingException(ModbusFramingError.ProtocolId, $"MBAP protocol id {protocol}; Modbus is 0.");
        // Length counts the unit id and a PDU of 1..253 bytes (function code at least).
        if (length < 2 || length > ModbusLimits.MaxPduLength + 1)
            throw new ModbusFramingException(ModbusFramingError.Length, $"MBAP length {length} is outside 2..254.");
        return (tid, length - 1);
    }
}
