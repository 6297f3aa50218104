using FacilityGateway.Sources.Simulated;
using System.Net;
using FacilityGateway.Modbus.Framing;
using FacilityGateway.Modbus.Server;

namespace FacilitySimulator.Plant;

/// <summary>
/// The simulated plant room: an energy meter (Modbus TCP), a duty/standby booster set on two drives and a water meter
/// behind a serial device server (RTU over TCP, units 11, 12 and 5), and leak probes on a digital input module (Modbus
/// TCP). Every register map comes from config/profiles, the same files the gateway reads.
/// </summary>
public sealed class PlantRoom : IAsyncDisposable
{
    private readonly List<ModbusTcpServer> _servers = [];
    private ModbusSerialServer? _serial;
    private readonly Dictionary<string, SimulatedDevice> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LinkFaults> _links = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private double _demandPhase;

    private PlantRoom(TimeProvider time) => _time = time;

    /// <summary>Ports by name: meter, serial_server, leaks.</summary>
    public Dictionary<string, int> Ports { get; } = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, SimulatedDevice> Devices => _devices;

    /// <summary>Water demand of the building, 0..1: a morning and an evening peak, compressed so it moves in a demo.</summary>
    public double Demand => 0.35 + 0.3 * Math.Sin(_demandPhase) + 0.15 * Math.Sin(_demandPhase * 3.1);

    /// <summary>
    /// Starts the plant. <paramref name="serialDevice"/> also serves the serial device server's units (pumps, water meter)
    /// as Modbus RTU on a serial port, such as one end of a socat pseudo-terminal pair (38400 baud, 8N1).
    /// </summary>
    public static PlantRoom Start(string profilesDirectory, TimeProvider time, IReadOnlyDictionary<string, int>? ports = null,
        FacilityGateway.Sources.Simulated.SimulatedGpioDriver? gpio = null, string? serialDevice = null)
    {
        var plant = new PlantRoom(time);
        ports ??= new Dictionary<string, int>();

        var meterStore = new ModbusDataStore(1);
        plant.Add(new EnergyMeter("main-meter", new ProfileRegisters(profilesDirectory, "eastron-sdm630", meterStore[1]), basekW: 42));
        plant.Serve("meter", meterStore, MbapFraming.Instance, ports.GetValueOrDefault("meter"));

        var serialStore = new ModbusDataStore(11, 12, 5);
        var boosters = new BoosterSet("booster-set",
            new ProfileRegisters(profilesDirectory, "abb-acs580", serialStore[11]),
            new ProfileRegisters(profilesDirectory, "abb-acs580", serialStore[12]),
            () => plant.Demand);
        plant.Add(boosters);
        // A pump running dry moves no water: the main's flow meter sees it.
        plant.Add(new WaterMeter("cold-water-meter", new ProfileRegisters(profilesDirectory, "onicon-f3100", serialStore[5]), () => boosters.DryRunning ? 0 : plant.Demand));
        plant.Serve("serial_server", serialStore, RtuFraming.Instance, ports.GetValueOrDefault("serial_server"));
        if (serialDevice is not null)
        {
            plant._serial = new ModbusSerialServer(serialStore, new FacilityGateway.Modbus.Transport.SerialLineSettings
            {
                PortName = serialDevice, BaudRate = 38400, Parity = System.IO.Ports.Parity.None,
            }, plant._links["serial_server"].Decide, time);
            plant._serial.Start();
        }

        var leakStore = new ModbusDataStore(3);
        plant.Add(new LeakInputs("leak-inputs", new ProfileRegisters(profilesDirectory, "advantech-adam4051", leakStore[3]), ["di0", "di1", "di2"]));
        plant.Serve("leaks", leakStore, MbapFraming.Instance, ports.GetValueOrDefault("leaks"));

        if (gpio is not null)
        {
            var water = (WaterMeter)plant._devices["cold-water-meter"];
            var pumps = (BoosterSet)plant._devices["booster-set"];
            plant.Add(new GpioWiring(gpio, () => water.FlowLitresPerSecond, () => pumps.DutyRunning));
        }
        plant.Tick(TimeSpan.Zero);
        plant._loop = plant.RunAsync(plant._stop.Token);
        return plant;
    }

    private void Add(SimulatedDevice device) => _devices[device.Id] = device;

    private void Serve(string name, ModbusDataStore store, IModbusFraming framing, int port)
    {
        var link = new LinkFaults();
        _links[name] = link;
        var server = new ModbusTcpServer(store, new ModbusServerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, port), Framing = framing, Faults = link.Decide }, _time);
        server.Start();
        _servers.Add(server);
        Ports[name] = server.LocalEndPoint.Port;
    }

    /// <summary>Applies a fault: a device fault (trip, dry_run, short_cycle, leak, clear) or a link fault (offline, slow, busy, corrupt, ok).</summary>
    public bool Fault(string target, string fault, string? detail)
    {
        if (_links.TryGetValue(target, out var link) && fault is "offline" or "slow" or "busy" or "corrupt" or "ok")
        {
            link.Mode = fault == "ok" ? "" : fault;
            return true;
        }
        return _devices.TryGetValue(target, out var device) && device.Fault(fault, detail);
    }

    private void Tick(TimeSpan dt)
    {
        _demandPhase += dt.TotalSeconds / 30;
        var now = _time.GetUtcNow();
        foreach (var device in _devices.Values)
            device.Tick(now, dt);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var period = TimeSpan.FromMilliseconds(200);
        using var timer = new PeriodicTimer(period, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
                Tick(period);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Stops the physics: registers keep their values (so independent clients can compare reads).</summary>
    public async Task FreezeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
            await _loop.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await FreezeAsync().ConfigureAwait(false);
        if (_serial is not null)
            await _serial.DisposeAsync().ConfigureAwait(false);
        foreach (var server in _servers)
            await server.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
