namespace FacilityGateway.Modbus.Framing;

/// <summary>
/// Wraps PDUs into ADUs and reads ADUs back from a byte stream: MBAP for Modbus TCP, address + CRC for RTU.
/// The PDU sits at <see cref="PduOffset"/> of the ADU buffer so no copy is needed.
/// </summary>
public interface IModbusFraming
{
    /// <summary>True when unit id 0 is a broadcast that gets no response (RTU, section 2.1 of the serial line spec).</summary>
    bool UnitZeroIsBroadcast { get; }

    /// <summary>
    /// True when a stream carrying this framing can be resynchronised after a timeout (discard what arrived, skip a late
    /// frame of another unit) instead of closed: RTU, whose frames end in silence and carry their unit and a CRC, so many
    /// units behind one serial device server keep their shared connection when one of them is slow. MBAP: false (a
    /// Modbus TCP connection is closed after a timeout, so a late response is never read as the next answer).
    /// </summary>
    bool KeepsConnectionAfterTimeout { get; }

    /// <summary>Where the PDU starts in an ADU buffer.</summary>
    int PduOffset { get; }

    /// <summary>The largest ADU this framing produces or accepts.</summary>
    int MaxAduLength { get; }

    /// <summary>
    /// Writes header and trailer around the PDU already at <c>adu[PduOffset..PduOffset+pduLength]</c> and returns the ADU length.
    /// </summary>
    int Seal(Span<byte> adu, byte unitId, ushort transactionId, int pduLength);

    /// <summary>
    /// Reads one response ADU for the given request into <paramref name="adu"/> and returns the PDU length (PDU at <see cref="PduOffset"/>).
    /// Throws <see cref="Protocol.ModbusFramingException"/> when the frame is damaged or belongs to another request.
    /// </summary>
    ValueTask<int> ReadResponseAsync(Stream stream, Memory<byte> adu, byte unitId, ushort transactionId, CancellationToken cancellationToken);

    /// <summary>
    /// Reads one request ADU (server side) and returns the unit id, transaction id and PDU length.
    /// Throws <see cref="Protocol.ModbusFramingException"/> for a damaged frame and <see cref="EndOfStreamException"/> when the peer closed.
    /// </summary>
    ValueTask<(byte UnitId, ushort TransactionId, int PduLength)> ReadRequestAsync(Stream stream, Memory<byte> adu, CancellationToken cancellationToken);
}
