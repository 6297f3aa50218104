using FacilityGateway.Readings;
using FacilityGateway.Configuration;
using FacilityGateway.Configuration.Yaml;
using FacilityGateway.Modbus.Codec;
using YamlDotNet.RepresentationModel;

namespace FacilityGateway.Sources.Modbus;

/// <summary>A Modbus device (<c>kind: modbus</c>): a unit on a line, or on its own TCP endpoint.</summary>
public sealed class ModbusDeviceOptions : DeviceOptions, Writes.IWritableDevice
{
    /// <summary>The id of a line under <c>lines:</c> (a serial port or a shared TCP endpoint).</summary>
    public string? Line { get; init; }

    /// <summary>An endpoint of its own instead of a line: <c>tcp://host:502</c> or <c>rtu+tcp://host:4001</c>.</summary>
    public string? Endpoint { get; init; }

    /// <summary>Unit id (slave address): 1-247 on a serial line.</summary>
    [RequiredKey, Describe("add 'unit:' with the device's Modbus address, for example unit: 1")]
    public byte Unit { get; init; }

    /// <summary>Response timeout; default: the line's.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Retries after a timeout or busy answer within one poll.</summary>
    [Range(0, 5)]
    public int Retries { get; init; } = 1;

    /// <summary>Most registers in one read; some devices accept fewer than 125.</summary>
    [Range(1, 125)]
    public int MaxRegistersPerRead { get; init; } = 125;

    /// <summary>Most coils or inputs in one read.</summary>
    [Range(1, 2000)]
    public int MaxBitsPerRead { get; init; } = 2000;

    /// <summary>Most unused registers a merged read may span between two points.</summary>
    [Range(0, 124)]
    public int MaxGap { get; init; } = 8;

    /// <summary>A device profile from the profiles folder, such as eastron-sdm630.</summary>
    public string? Profile { get; init; }

    /// <summary>Changes to the profile's points.</summary>
    public ProfileOverrides? Overrides { get; init; }

    /// <summary>Points of this device (added to the profile's, if any).</summary>
    public IReadOnlyList<ModbusPointOptions> Points { get; init; } = [];

    /// <summary>The points after the profile, overrides and defaults were applied (filled by validation).</summary>
    [NotBound]
    public IReadOnlyList<ModbusPoint> ResolvedPoints { get; internal set; } = [];

    /// <summary>The <c>alarms:</c> of the resolved points (filled by validation).</summary>
    [NotBound]
    internal List<PointAlarms> ResolvedAlarms { get; } = [];

    /// <inheritdoc />
    public override IEnumerable<PointInfo> DescribePoints() => ResolvedPoints.Select(Describe).Concat(PolledDevice.HealthPoints);

    /// <inheritdoc />
    public override IEnumerable<PointAlarms> DescribeAlarms() => ResolvedAlarms;

    /// <summary>The named commands of its profile (<c>start</c>, <c>stop</c>, <c>reset_fault</c>), resolved at validation.</summary>
    internal IReadOnlyDictionary<string, IReadOnlyList<Writes.CommandStepOptions>> ResolvedCommands { get; set; } = new Dictionary<string, IReadOnlyList<Writes.CommandStepOptions>>();

    public IReadOnlyList<Writes.CommandStepOptions>? Command(string name) => ResolvedCommands.GetValueOrDefault(name);

    public IEnumerable<string> Commands => ResolvedCommands.Keys;

    /// <summary>A holding register or coil declared with <c>write:</c>.</summary>
    public Writes.WritablePoint? Writable(string pointId) =>
        ResolvedPoints.FirstOrDefault(p => p.Id == pointId) is { Write: { } write } point
            ? new Writes.WritablePoint(point.Id, point.Unit, point.Table == FacilityGateway.Modbus.Protocol.ModbusTable.Coils, Math.Abs(point.Scaling.Scale), write)
            : null;

    /// <summary>What the rest of the gateway knows of a point.</summary>
    internal static PointInfo Describe(ModbusPoint p) => new(p.Id, p.Name, p.Unit, p.Deadband, p.Minimum, p.Maximum, p.Meaning);
}

/// <summary>Changes to a profile's points for one device.</summary>
public sealed class ProfileOverrides : ConfigNode
{
    /// <summary>Profile point ids not to read.</summary>
    public IReadOnlyList<string> Drop { get; init; } = [];

    /// <summary>New scale, offset or unit for profile points, by id.</summary>
    public IReadOnlyDictionary<string, PointRescale> Rescale { get; init; } = new Dictionary<string, PointRescale>();
}

/// <summary>New scaling of a profile point.</summary>
public sealed class PointRescale : ConfigNode
{
    /// <summary>Multiplier.</summary>
    public double? Scale { get; init; }
    /// <summary>Added after the multiplier.</summary>
    public double? Offset { get; init; }
    /// <summary>Engineering unit. The profile's deadband and range move into it by the units' factor (m³/h to L/s).</summary>
    public string? Unit { get; init; }
    /// <summary>Deadband in the new unit, where no factor between the units is known (a temperature, say).</summary>
    public double? Deadband { get; init; }
    /// <summary>Plausible range in the new unit, where no factor between the units is known.</summary>
    public IReadOnlyList<double>? Range { get; init; }
}

/// <summary>
/// One point of a Modbus device. The address is given with exactly one of <c>coil</c>, <c>discrete</c>, <c>input</c>,
/// <c>holding</c> (zero-based addresses, as on the wire) or <c>register</c> (the one-based 5- or 6-digit notation of
/// data sheets: 40001 or 400001 is holding address 0, 30001 input 0, 10001 discrete 0, 1 coil 0).
/// </summary>
public sealed class ModbusPointOptions : ConfigNode
{
    /// <summary>Unique id within the device.</summary>
    [RequiredKey, Describe("add 'id:', for example id: power_total")]
    public string Id { get; init; } = "";

    /// <summary>Name people use.</summary>
    public string? Name { get; init; }

    /// <summary>Coil, zero-based (FC 01).</summary>
    public ushort? Coil { get; init; }
    /// <summary>Discrete input, zero-based (FC 02).</summary>
    public ushort? Discrete { get; init; }
    /// <summary>Input register, zero-based (FC 04).</summary>
    public ushort? Input { get; init; }
    /// <summary>Holding register, zero-based (FC 03).</summary>
    public ushort? Holding { get; init; }
    /// <summary>One-based data-sheet notation: 0xxxx coil, 1xxxx discrete, 3xxxx input, 4xxxx holding (5 or 6 digits).</summary>
    public int? Register { get; init; }

    /// <summary>Data type; default uint16 for registers (or the profile's default), bool for coils and discrete inputs.</summary>
    public ModbusDataType? Type { get; init; }

    /// <summary>Byte and word order of multi-register values.</summary>
    public ByteOrder? ByteOrder { get; init; }

    /// <summary>Bit 0-15 of the register, for type bit.</summary>
    [Range(0, 15)]
    public byte? Bit { get; init; }

    /// <summary>Registers of a string.</summary>
    [Range(1, 125)]
    public ushort? Length { get; init; }

    /// <summary>Multiplier from raw to engineering units.</summary>
    public double? Scale { get; init; }

    /// <summary>Added after the multiplier.</summary>
    public double? Offset { get; init; }

    /// <summary>Engineering unit, such as kWh, V, m3/h.</summary>
    public string? Unit { get; init; }

    /// <summary>Change smaller than this is not reported (heartbeats still are).</summary>
    public double? Deadband { get; init; }

    /// <summary>Plausible range; a value outside it gets quality uncertain (out of range).</summary>
    public IReadOnlyList<double>? Range { get; init; }

    /// <summary>
    /// What a coil, discrete input or bit means (leak, running, on_off, open_closed): its readings carry the word
    /// ("wet"/"dry"), and a leak probe's state alarm is latched, P1, with a 5 s on-delay unless it says otherwise.
    /// </summary>
    public InputMeaning? Meaning { get; init; }

    /// <summary>Alarm rules (the alarms issue); kept raw until then.</summary>
    public YamlNode? Alarms { get; internal set; }

    /// <summary>The point may be written remotely (a holding register or a coil), within these bounds; read-only without it.</summary>
    public Writes.PointWriteOptions? Write { get; init; }
}

/// <summary>A point ready to read: address, format, scaling, unit.</summary>
public sealed record ModbusPoint(
    string Id,
    string? Name,
    FacilityGateway.Modbus.Protocol.ModbusTable Table,
    ushort Address,
    RegisterFormat Format,
    Scaling Scaling,
    string Unit,
    double Deadband,
    double? Minimum,
    double? Maximum,
    SourceLocation Origin = default,
    InputMeaning? Meaning = null,
    Writes.PointWriteOptions? Write = null)
{
    /// <summary>Registers or bits occupied.</summary>
    public ushort Width => (ushort)Format.Width;
}
