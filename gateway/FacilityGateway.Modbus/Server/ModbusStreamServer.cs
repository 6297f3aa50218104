using System.Runtime.CompilerServices;
using System.Buffers.Binary;
using FacilityGateway.Modbus.Framing;
using FacilityGateway.Modbus.Protocol;

namespace FacilityGateway.Modbus.Server;

/// <summary>
/// Serves requests from one byte stream (a TCP connection or a serial port) until it closes: reads a request ADU,
/// asks the data store, applies injected faults, writes the response ADU.
/// </summary>
internal sealed class ModbusStreamServer(IModbusDataStore store, IModbusFraming framing, ModbusFaultInjector? faults, TimeProvider time)
{
    private long _requests;

    /// <summary>Requests answered or dropped so far.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>
    /// Serves until the stream ends or <paramref name="cancellationToken"/> is cancelled. A damaged request closes a TCP
    /// connection (MBAP cannot resynchronise); on RTU <paramref name="resynchronise"/> is called and serving goes on.
    /// </summary>
    public async Task ServeAsync(Stream stream, Func<CancellationToken, ValueTask>? resynchronise, CancellationToken cancellationToken)
    {
        byte[] request = new byte[framing.MaxAduLength];
        byte[] response = new byte[framing.MaxAduLength];
        while (!cancellationToken.IsCancellationRequested)
        {
            byte unitId;
            ushort transactionId;
            int pduLength;
            try
            {
                (unitId, transactionId, pduLength) = await framing.ReadRequestAsync(stream, request, cancellationToken).ConfigureAwait(false);
            }
            catch (ModbusFramingException) when (resynchronise is not null)
            {
                await resynchronise(cancellationToken).ConfigureAwait(false);
                continue;
            }
            Interlocked.Increment(ref _requests);
            var pdu = request.AsMemory(framing.PduOffset, pduLength);
            bool broadcast = unitId == 0 && framing.UnitZeroIsBroadcast;
            if (!broadcast && !store.HasUnit(unitId))
            {
                if (framing.UnitZeroIsBroadcast)
                    continue; // an RTU unit that does not exist stays silent
                int exception = ModbusRequestHandler.Exception(response.AsSpan(framing.PduOffset), pdu.Span[0], ModbusExceptionCode.GatewayTargetDeviceFailedToRespond);
                await SendAsync(stream, response, unitId, transactionId, exception, ModbusFault.None, cancellationToken).ConfigureAwait(false);
                continue;
            }
            var fault = faults?.Invoke(Describe(unitId, pdu.Span)) ?? ModbusFault.None;
            if (fault.Delay > TimeSpan.Zero)
                await Task.Delay(fault.Delay, time, cancellationToken).ConfigureAwait(false);
            if (fault.Kind == ModbusFaultKind.Drop)
                continue;

            int length = fault.Kind == ModbusFaultKind.ExceptionResponse
                ? ModbusRequestHandler.Exception(response.AsSpan(framing.PduOffset), pdu.Span[0], fault.Code)
                : ModbusRequestHandler.Handle(store, unitId, pdu.Span, response.AsSpan(framing.PduOffset));
            if (broadcast)
                continue; // executed, never answered
            await SendAsync(stream, response, unitId, transactionId, length, fault, cancellationToken).ConfigureAwait(false);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendAsync(Stream stream, byte[] adu, byte unitId, ushort transactionId, int pduLength, ModbusFault fault, CancellationToken cancellationToken)
    {
        int length = framing.Seal(adu, unitId, transactionId, pduLength);
        switch (fault.Kind)
        {
            case ModbusFaultKind.Corrupt when framing.UnitZeroIsBroadcast:
                adu[length - 1] ^= 0xFF; // RTU: CRC no longer matches
                break;
            case ModbusFaultKind.Corrupt:
                BinaryPrimitives.WriteUInt16BigEndian(adu, (ushort)(transactionId ^ 0x5A5A)); // MBAP: wrong transaction id
                break;
            case ModbusFaultKind.Garbage:
                length = Random.Shared.Next(1, 32);
                Random.Shared.NextBytes(adu.AsSpan(0, length));
                break;
        }
        await stream.WriteAsync(adu.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static ModbusRequestInfo Describe(byte unitId, ReadOnlySpan<byte> pdu)
    {
        ushort address = pdu.Length >= 3 ? BinaryPrimitives.ReadUInt16BigEndian(pdu[1..]) : (ushort)0;
        ushort count = pdu.Length >= 5 ? BinaryPrimitives.ReadUInt16BigEndian(pdu[3..]) : (ushort)0;
        if (pdu[0] is (byte)ModbusFunctionCode.WriteSingleCoil or (byte)ModbusFunctionCode.WriteSingleRegister)
            count = 1;
        return new ModbusRequestInfo(unitId, (ModbusFunctionCode)pdu[0], address, count);
    }
}
