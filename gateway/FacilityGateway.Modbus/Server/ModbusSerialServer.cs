using FacilityGateway.Modbus.Framing;
using FacilityGateway.Modbus.Transport;

namespace FacilityGateway.Modbus.Server;

/// <summary>
/// A Modbus RTU server on a serial port (or a pseudo-terminal), answering for every unit of its data store.
/// After a damaged request it waits for the line to fall silent, drops what arrived, and listens again.
/// </summary>
public sealed class ModbusSerialServer : IAsyncDisposable
{
    private readonly SerialLineSettings _settings;
    private readonly ModbusStreamServer _server;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private IModbusConnection? _port;
    private Task? _loop;

    /// <summary>Creates a server; call <see cref="Start"/> to open the port.</summary>
    public ModbusSerialServer(IModbusDataStore store, SerialLineSettings settings, ModbusFaultInjector? faults = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _time = timeProvider ?? TimeProvider.System;
        _server = new ModbusStreamServer(store, RtuFraming.Instance, faults, _time);
    }

    /// <summary>Requests received so far.</summary>
    public long Requests => _server.Requests;

    /// <summary>Opens the port and starts serving.</summary>
    public void Start()
    {
        if (_port is not null)
            throw new InvalidOperationException("The server is already started.");
        _port = SerialLineConnector.For(_settings).Open();
        _port.DiscardInput();
        _loop = ServeAsync(_port, _stop.Token);
    }

    private async Task ServeAsync(IModbusConnection port, CancellationToken cancellationToken)
    {
        try
        {
            await _server.ServeAsync(port.Stream, async ct =>
            {
                await Task.Delay(_settings.InterFrameDelay * 4, _time, ct).ConfigureAwait(false);
                port.DiscardInput();
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or EndOfStreamException or ObjectDisposedException or InvalidOperationException)
        {
            // The port closed or the server stops.
        }
    }

    /// <summary>Stops serving and closes the port.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
            return;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_port is not null)
            await _port.DisposeAsync().ConfigureAwait(false);
        if (_loop is not null)
            await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
