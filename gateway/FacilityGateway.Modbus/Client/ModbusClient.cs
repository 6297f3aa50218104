using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Transport;

namespace FacilityGateway.Modbus.Client;

/// <summary>
/// A Modbus client over one line. Async only, with a <see cref="CancellationToken"/> on every call. Requests for
/// several units may share one client; the transport keeps one request in flight per line, and retries (see
/// <see cref="ModbusRetryPolicy"/>) wait outside the line so other units are not held up.
/// Failures are <see cref="ModbusException"/> kinds only.
/// </summary>
public sealed class ModbusClient : IAsyncDisposable
{
    private const int BufferSize = ModbusLimits.MaxPduLength + 8;
    private readonly IModbusTransport _transport;
    private readonly bool _ownsTransport;
    private readonly TimeProvider _time;

    /// <summary>Creates a client over a transport.</summary>
    public ModbusClient(IModbusTransport transport, ModbusRetryPolicy? retryPolicy = null, TimeProvider? timeProvider = null, bool ownsTransport = true, TimeSpan responseTimeout = default,
        ModbusExchangeCounters? counters = null)
    {
        ResponseTimeout = responseTimeout;
        Counters = counters ?? new ModbusExchangeCounters();
        _transport = transport ?? throw new ArgumentNullException(nameof(transport));
        RetryPolicy = retryPolicy ?? new ModbusRetryPolicy();
        _time = timeProvider ?? TimeProvider.System;
        _ownsTransport = ownsTransport;
    }

    /// <summary>Creates a client for an endpoint such as <c>tcp://10.0.0.5:502</c>.</summary>
    public static ModbusClient Create(string endpoint, ModbusTransportOptions? options = null, ModbusRetryPolicy? retryPolicy = null, TimeProvider? timeProvider = null) =>
        Create(ModbusEndpoint.Parse(endpoint), options, retryPolicy, timeProvider);

    /// <summary>Creates a client for a parsed endpoint.</summary>
    public static ModbusClient Create(ModbusEndpoint endpoint, ModbusTransportOptions? options = null, ModbusRetryPolicy? retryPolicy = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return new ModbusClient(endpoint.CreateTransport(options, timeProvider), retryPolicy, timeProvider);
    }

    /// <summary>Response timeout of this client's requests; zero uses the transport's. Lets devices on one line wait differently.</summary>
    public TimeSpan ResponseTimeout { get; }

    /// <summary>Every exchange attempted and how the failed ones failed, retries included.</summary>
    public ModbusExchangeCounters Counters { get; }

    /// <summary>The retry policy.</summary>
    public ModbusRetryPolicy RetryPolicy { get; }

    /// <summary>The line this client talks on.</summary>
    public string Description => _transport.Description;

    /// <summary>FC 01: reads <c>destination.Length</c> coils starting at <paramref name="start"/>.</summary>
    public ValueTask ReadCoilsAsync(byte unitId, ushort start, Memory<bool> destination, CancellationToken cancellationToken = default) =>
        ReadBitsAsync(unitId, ModbusTable.Coils, start, destination, cancellationToken);

    /// <summary>FC 02: reads <c>destination.Length</c> discrete inputs starting at <paramref name="start"/>.</summary>
    public ValueTask ReadDiscreteInputsAsync(byte unitId, ushort start, Memory<bool> destination, CancellationToken cancellationToken = default) =>
        ReadBitsAsync(unitId, ModbusTable.DiscreteInputs, start, destination, cancellationToken);

    /// <summary>FC 03: reads <c>destination.Length</c> holding registers starting at <paramref name="start"/>.</summary>
    public ValueTask ReadHoldingRegistersAsync(byte unitId, ushort start, Memory<ushort> destination, CancellationToken cancellationToken = default) =>
        ReadRegistersAsync(unitId, ModbusTable.HoldingRegisters, start, destination, cancellationToken);

    /// <summary>FC 04: reads <c>destination.Length</c> input registers starting at <paramref name="start"/>.</summary>
    public ValueTask ReadInputRegistersAsync(byte unitId, ushort start, Memory<ushort> destination, CancellationToken cancellationToken = default) =>
        ReadRegistersAsync(unitId, ModbusTable.InputRegisters, start, destination, cancellationToken);

    /// <summary>FC 03: reads <paramref name="count"/> holding registers into a new array.</summary>
    public async ValueTask<ushort[]> ReadHoldingRegistersAsync(byte unitId, ushort start, ushort count, CancellationToken cancellationToken = default)
    {
        var values = new ushort[count];
        await ReadRegistersAsync(unitId, ModbusTable.HoldingRegisters, start, values, cancellationToken).ConfigureAwait(false);
        return values;
    }

    /// <summary>FC 03 or 04: reads <c>destination.Length</c> registers of a register table.</summary>
    public ValueTask ReadRegistersAsync(byte unitId, ModbusTable table, ushort start, Memory<ushort> destination, CancellationToken cancellationToken = default)
    {
        if (table.IsBitTable())
            throw new ArgumentOutOfRangeException(nameof(table), table, "Use ReadBitsAsync for coils and discrete inputs.");
        return RequestAsync(unitId, (table, start, destination),
            static (pdu, s) => ModbusPdu.WriteReadRequest(pdu, s.table.ReadFunction(), s.start, checked((ushort)s.destination.Length)),
            static (data, s) => ModbusPdu.ReadRegisters(data, s.destination.Span), cancellationToken);
    }

    /// <summary>FC 01 or 02: reads <c>destination.Length</c> bits of a bit table.</summary>
    public ValueTask ReadBitsAsync(byte unitId, ModbusTable table, ushort start, Memory<bool> destination, CancellationToken cancellationToken = default)
    {
        if (!table.IsBitTable())
            throw new ArgumentOutOfRangeException(nameof(table), table, "Use ReadRegistersAsync for registers.");
        return RequestAsync(unitId, (table, start, destination),
            static (pdu, s) => ModbusPdu.WriteReadRequest(pdu, s.table.ReadFunction(), s.start, checked((ushort)s.destination.Length)),
            static (data, s) => ModbusPdu.UnpackBits(data, s.destination.Span), cancellationToken);
    }

    /// <summary>FC 05: writes one coil.</summary>
    public ValueTask WriteSingleCoilAsync(byte unitId, ushort address, bool value, CancellationToken cancellationToken = default) =>
        RequestAsync(unitId, (address, value), static (pdu, s) => ModbusPdu.WriteSingleCoilRequest(pdu, s.address, s.value), null, cancellationToken);

    /// <summary>FC 06: writes one holding register.</summary>
    public ValueTask WriteSingleRegisterAsync(byte unitId, ushort address, ushort value, CancellationToken cancellationToken = default) =>
        RequestAsync(unitId, (address, value), static (pdu, s) => ModbusPdu.WriteSingleRegisterRequest(pdu, s.address, s.value), null, cancellationToken);

    /// <summary>FC 15: writes consecutive coils.</summary>
    public ValueTask WriteMultipleCoilsAsync(byte unitId, ushort start, ReadOnlyMemory<bool> values, CancellationToken cancellationToken = default) =>
        RequestAsync(unitId, (start, values), static (pdu, s) => ModbusPdu.WriteMultipleCoilsRequest(pdu, s.start, s.values.Span), null, cancellationToken);

    /// <summary>FC 16: writes consecutive holding registers.</summary>
    public ValueTask WriteMultipleRegistersAsync(byte unitId, ushort start, ReadOnlyMemory<ushort> values, CancellationToken cancellationToken = default) =>
        RequestAsync(unitId, (start, values), static (pdu, s) => ModbusPdu.WriteMultipleRegistersRequest(pdu, s.start, s.values.Span), null, cancellationToken);

    /// <summary>FC 23: writes <paramref name="values"/> at <paramref name="writeStart"/>, then reads <c>destination.Length</c> registers at <paramref name="readStart"/>, in one transaction.</summary>
    public ValueTask ReadWriteMultipleRegistersAsync(byte unitId, ushort readStart, Memory<ushort> destination, ushort writeStart, ReadOnlyMemory<ushort> values, CancellationToken cancellationToken = default) =>
        RequestAsync(unitId, (readStart, destination, writeStart, values),
            static (pdu, s) => ModbusPdu.WriteReadWriteRequest(pdu, s.readStart, checked((ushort)s.destination.Length), s.writeStart, s.values.Span),
            static (data, s) => ModbusPdu.ReadRegisters(data, s.destination.Span), cancellationToken);

    /// <summary>Decodes the data of a checked response into the request's state.</summary>
    private delegate void ResponseDecoder<TState>(ReadOnlySpan<byte> data, TState state);

    /// <summary>
    /// One request: pooled buffers, encode, exchange (with retries), check the response against the request, decode.
    /// A broadcast (RTU unit 0) has no response and decodes nothing.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask RequestAsync<TState>(byte unitId, TState state, Func<byte[], TState, int> encode, ResponseDecoder<TState>? decode, CancellationToken cancellationToken)
    {
        byte[] request = ArrayPool<byte>.Shared.Rent(BufferSize);
        byte[] response = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int length = encode(request, state);
            int responseLength = await SendAsync(unitId, request.AsMemory(0, length), response, cancellationToken).ConfigureAwait(false);
            if (responseLength == 0)
            {
                if (decode is not null)
                    throw new ArgumentException("Unit 0 is the RTU broadcast address: nothing answers a read sent to it.", nameof(unitId));
                return;
            }
            var data = ModbusPdu.CheckResponse(unitId, request.AsSpan(0, length), response.AsSpan(0, responseLength));
            decode?.Invoke(data, state);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(request);
            ArrayPool<byte>.Shared.Return(response);
        }
    }

    /// <summary>One exchange with bounded retries chosen by cause; an exception response is checked here so busy can be retried.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> SendAsync(byte unitId, ReadOnlyMemory<byte> request, Memory<byte> response, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            ModbusException failure;
            Counters.Sent();
            try
            {
                int length = await _transport.ExchangeAsync(unitId, request, response, ResponseTimeout, cancellationToken).ConfigureAwait(false);
                if (length >= 2 && response.Span[0] == (request.Span[0] | ModbusPdu.ExceptionFlag))
                    ModbusPdu.CheckResponse(unitId, request.Span, response.Span[..length]); // throws the server exception
                return length;
            }
            catch (ModbusException ex)
            {
                failure = ex;
                Counters.Failed(ex);
            }
            var delay = RetryPolicy.DelayBeforeRetry(attempt + 1, failure);
            if (delay is null)
                ExceptionDispatchInfo.Throw(failure);
            if (delay > TimeSpan.Zero)
                await Task.Delay(delay.Value, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _ownsTransport ? _transport.DisposeAsync() : ValueTask.CompletedTask;
}
