using FacilityGateway.Modbus.Server;

namespace FacilitySimulator.Plant;

/// <summary>One simulated device: advances its physics each tick and writes its registers.</summary>
public abstract class SimulatedDevice(string id)
{
    public string Id { get; } = id;

    /// <summary>Advances by <paramref name="dt"/> to <paramref name="now"/>.</summary>
    public abstract void Tick(DateTimeOffset now, TimeSpan dt);

    /// <summary>Applies a fault by name (trip, dry_run, leak, ...); false when the device has no such fault.</summary>
    public virtual bool Fault(string fault, string? target) => false;

    /// <summary>What an operator would see, for the demo's table.</summary>
    public abstract string Describe();
}

/// <summary>Faults any device can suffer, applied at the Modbus server: offline, slow, exception codes, corrupted frames.</summary>
public sealed class LinkFaults
{
    private volatile string _mode = "";

    public string Mode
    {
        get => _mode;
        set => _mode = value;
    }

    public ModbusFault Decide(ModbusRequestInfo request) => _mode switch
    {
        "offline" => ModbusFault.Drop,
        "slow" => ModbusFault.Slow(TimeSpan.FromMilliseconds(400)),
        "busy" => ModbusFault.Exception(FacilityGateway.Modbus.Protocol.ModbusExceptionCode.ServerDeviceBusy),
        "corrupt" => ModbusFault.Corrupt,
        _ => ModbusFault.None,
    };
}
