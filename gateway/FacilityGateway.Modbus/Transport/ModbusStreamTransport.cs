using System.Net.Sockets;
using System.Runtime.CompilerServices;
using FacilityGateway.Modbus.Framing;
using FacilityGateway.Modbus.Protocol;

namespace FacilityGateway.Modbus.Transport;

/// <summary>
/// A line: a connector (TCP or serial) plus a framing (MBAP or RTU). Modbus TCP is TCP + MBAP, Modbus RTU is serial + RTU,
/// RTU over TCP is TCP + RTU. One exchange at a time; the connection is opened on first use and again after it was lost.
/// This is the one place where socket, serial and I/O exceptions become <see cref="ModbusTransportException"/> kinds.
/// </summary>
public sealed class ModbusStreamTransport : IModbusTransport
{
    private readonly IModbusConnector _connector;
    private readonly IModbusFraming _framing;
    private readonly ModbusTransportOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly byte[] _adu;
    private readonly TimeSpan _gapBeforeRequest;
    private IModbusConnection? _connection;
    private CancellationTokenSource? _timeout;
    private ushort _transactionId;
    private long _lastFrameEnd;
    private bool _discardBeforeNext;
    private bool _disposed;

    /// <summary>Creates a transport; nothing is opened until the first exchange.</summary>
    public ModbusStreamTransport(IModbusConnector connector, IModbusFraming framing, ModbusTransportOptions? options = null, TimeProvider? timeProvider = null)
    {
        _connector = connector ?? throw new ArgumentNullException(nameof(connector));
        _framing = framing ?? throw new ArgumentNullException(nameof(framing));
        _options = options ?? new ModbusTransportOptions();
        _time = timeProvider ?? TimeProvider.System;
        _adu = new byte[framing.MaxAduLength];
        _gapBeforeRequest = connector.InterFrameDelay + _options.MinimumRequestGap;
    }

    /// <inheritdoc />
    public string Description => _connector.Description;

    /// <summary>True while a connection is open.</summary>
    public bool IsConnected => _connection is not null;

    /// <inheritdoc />
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> ExchangeAsync(byte unitId, ReadOnlyMemory<byte> request, Memory<byte> response, TimeSpan responseTimeout, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (request.Length is < 1 or > ModbusLimits.MaxPduLength)
            throw new ArgumentOutOfRangeException(nameof(request), request.Length, "A request PDU is 1 to 253 bytes.");

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var connection = _connection ?? await ConnectAsync(cancellationToken).ConfigureAwait(false);
            return await ExchangeOnceAsync(connection, unitId, request, response, responseTimeout > TimeSpan.Zero ? responseTimeout : _options.ResponseTimeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ExchangeOnceAsync(IModbusConnection connection, byte unitId, ReadOnlyMemory<byte> request, Memory<byte> response, TimeSpan responseTimeout, CancellationToken cancellationToken)
    {
        var timeout = RentTimeout(cancellationToken, out var link);
        try
        {
            if (_discardBeforeNext)
            {
                connection.DiscardInput();
                _discardBeforeNext = false;
            }
            await KeepSilentIntervalAsync(cancellationToken).ConfigureAwait(false);

            ushort transactionId = ++_transactionId;
            request.Span.CopyTo(_adu.AsSpan(_framing.PduOffset));
            int aduLength = _framing.Seal(_adu, unitId, transactionId, request.Length);

            timeout.CancelAfter(responseTimeout);
            await connection.Stream.WriteAsync(_adu.AsMemory(0, aduLength), timeout.Token).ConfigureAwait(false);
            await connection.Stream.FlushAsync(timeout.Token).ConfigureAwait(false);

            if (unitId == 0 && _framing.UnitZeroIsBroadcast)
            {
                _lastFrameEnd = _time.GetTimestamp();
                return 0;
            }

            int pduLength = await _framing.ReadResponseAsync(connection.Stream, _adu, unitId, transactionId, timeout.Token).ConfigureAwait(false);
            _lastFrameEnd = _time.GetTimestamp();
            if (pduLength > response.Length)
                throw new ModbusFramingException(ModbusFramingError.Length, $"Response PDU of {pduLength} bytes does not fit the {response.Length}-byte buffer.");
            _adu.AsSpan(_framing.PduOffset, pduLength).CopyTo(response.Span);
            return pduLength;
        }
        catch (Exception ex) when (ex is not ModbusServerException)
        {
            _lastFrameEnd = _time.GetTimestamp();
            var translated = Translate(ex, timeout, responseTimeout, cancellationToken);
            await AfterErrorAsync(connection, translated).ConfigureAwait(false);
            if (translated is null)
                throw;
            throw translated;
        }
        finally
        {
            link.Dispose();
            ReturnTimeout(timeout);
        }
    }

    private async ValueTask<IModbusConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time);
        using var link = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            _connection = await _connector.ConnectAsync(link.Token).ConfigureAwait(false);
            _lastFrameEnd = _time.GetTimestamp();
            _discardBeforeNext = false;
            return _connection;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException ex)
        {
            throw new ModbusConnectionException($"{Description}: no connection within {_options.ConnectTimeout.TotalMilliseconds:0} ms.", ex);
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            throw new ModbusConnectionException($"{Description}: cannot connect: {ex.Message}", ex);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask KeepSilentIntervalAsync(CancellationToken cancellationToken)
    {
        if (_gapBeforeRequest <= TimeSpan.Zero)
            return;
        var remaining = _gapBeforeRequest - _time.GetElapsedTime(_lastFrameEnd);
        if (remaining > TimeSpan.Zero)
            await Task.Delay(remaining, _time, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Maps an exception from the exchange to the library's kind; null means rethrow as is (caller's cancellation).</summary>
    private ModbusException? Translate(Exception ex, CancellationTokenSource timeout, TimeSpan responseTimeout, CancellationToken cancellationToken)
    {
        if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
            return null;
        return ex switch
        {
            ModbusException modbus => modbus,
            OperationCanceledException or TimeoutException when timeout.IsCancellationRequested || ex is TimeoutException =>
                new ModbusTimeoutException($"{Description}: no response within {responseTimeout.TotalMilliseconds:0} ms.", ex),
            EndOfStreamException => new ModbusConnectionException($"{Description}: the peer closed the connection.", ex),
            _ when IsTransportFailure(ex) => new ModbusConnectionException($"{Description}: {ex.Message}", ex),
            _ => null,
        };
    }

    private static bool IsTransportFailure(Exception ex) =>
        ex is IOException or SocketException or ObjectDisposedException or UnauthorizedAccessException or InvalidOperationException or ArgumentException;

    private async ValueTask AfterErrorAsync(IModbusConnection connection, ModbusException? error)
    {
        // A lost connection is always reopened. After a damaged frame or a cancellation a TCP connection is closed too
        // (the framing is lost), and after a Modbus TCP timeout, so a late response is never read as the next answer.
        // A serial port is kept and its input discarded before the next request; so is an RTU-over-TCP connection
        // after a timeout: one slow unit behind a serial device server must not cut off its healthy neighbours, and a
        // late frame of it is skipped by its unit id (RtuFraming).
        bool resynchronise = connection.ReusableAfterError || (error is ModbusTimeoutException && _framing.KeepsConnectionAfterTimeout);
        if (error is ModbusConnectionException || !resynchronise)
            await DropConnectionAsync().ConfigureAwait(false);
        else
            _discardBeforeNext = true;
    }

    private async ValueTask DropConnectionAsync()
    {
        var connection = _connection;
        _connection = null;
        if (connection is null)
            return;
        try
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            // Closing a broken line may fail again; it is closed either way.
        }
    }

    private CancellationTokenSource RentTimeout(CancellationToken cancellationToken, out CancellationTokenRegistration link)
    {
        var timeout = _timeout ?? new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
        _timeout = null;
        link = cancellationToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), timeout);
        return timeout;
    }

    private void ReturnTimeout(CancellationTokenSource timeout)
    {
        if (timeout.TryReset())
            _timeout = timeout;
        else
            timeout.Dispose();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            await DropConnectionAsync().ConfigureAwait(false);
            _timeout?.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }
}
