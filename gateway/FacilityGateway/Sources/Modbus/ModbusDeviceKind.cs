using FacilityGateway.Configuration;
using FacilityGateway.Configuration.Yaml;
using FacilityGateway.Modbus.Codec;
using FacilityGateway.Modbus.Planning;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Sources.Modbus.Profiles;

namespace FacilityGateway.Sources.Modbus;

/// <summary><c>kind: modbus</c>: checks a device, resolves its profile and points, and checks its line.</summary>
internal sealed class ModbusDeviceKind : IDeviceKind
{
    public string Name => "modbus";

    public DeviceOptions CreateOptions() => new ModbusDeviceOptions();

    /// <summary>A warning for each line no device polls.</summary>
    public static void CheckLinesUsed(ValidationContext context)
    {
        var config = context.Config;
        foreach (var line in config.Lines)
            if (!config.Devices.OfType<ModbusDeviceOptions>().Any(d => d.Line == line.Id))
                context.Errors.Warning(line.Origin, line.KeyPath, $"line '{line.Id}' has no devices: nothing will be polled on it",
                    $"add devices with line: {line.Id}, or remove the line");
    }

    public void Validate(DeviceOptions options, ValidationContext context)
    {
        var device = (ModbusDeviceOptions)options;
        var errors = context.Errors;
        CheckLine(device, context);
        device.ResolvedAlarms.Clear();
        device.ResolvedPoints = ResolvePoints(device, context);
        if (device.ResolvedPoints.Count == 0 && !errors.Items.Any(e => e.KeyPath.StartsWith(device.KeyPath, StringComparison.Ordinal)))
            errors.Error(device.Origin, device.KeyPath, $"device '{device.Id}' has no points", "add 'points:' or a 'profile:'");
        CheckOverlaps(device, errors);
        CheckPlan(device, errors);

        // Once per configuration: unit ids per line and bus capacity.
        if (context.State.TryAdd("modbus.lines", true))
            ModbusLines.CheckLines(context.Config, errors);
    }

    private static void CheckLine(ModbusDeviceOptions device, ValidationContext context)
    {
        var errors = context.Errors;
        if ((device.Line is null) == (device.Endpoint is null))
        {
            errors.Error(device.Origin, device.KeyPath, $"device '{device.Id}' needs exactly one of 'line:' or 'endpoint:'",
                "line: <id of a line under lines:>, or endpoint: tcp://10.0.0.5:502 for a Modbus TCP device of its own");
            return;
        }
        if (device.Line is { } lineId)
        {
            var line = context.Config.Lines.FirstOrDefault(l => l.Id == lineId);
            if (line is null)
            {
                string? suggestion = Names.Suggest(lineId, context.Config.Lines.Select(l => l.Id));
                errors.Error(device.OriginOf("line"), device.PathOf("line"), $"unknown line '{lineId}'",
                    suggestion is not null ? $"did you mean '{suggestion}'?" : "add it under 'lines:' or use endpoint: tcp://host:port");
                return;
            }
            bool serialFraming = line.Serial is not null || line.Tcp?.Framing == TcpFraming.Rtu;
            if (serialFraming && device.Unit is < 1 or > 247)
                errors.Error(device.OriginOf("unit"), device.PathOf("unit"), $"unit {device.Unit} is not a serial-line address", "use 1 to 247 (0 is broadcast)");
        }
        else if (!FacilityGateway.Modbus.Client.ModbusEndpoint.TryParse(device.Endpoint!, out var endpoint, out string why))
        {
            errors.Error(device.OriginOf("endpoint"), device.PathOf("endpoint"), why, "for example endpoint: tcp://10.0.0.5:502");
        }
        else if (endpoint.Kind != FacilityGateway.Modbus.Client.ModbusEndpointKind.Tcp && device.Unit is < 1 or > 247)
        {
            errors.Error(device.OriginOf("unit"), device.PathOf("unit"), $"unit {device.Unit} is not a serial-line address", "use 1 to 247 (0 is broadcast)");
        }
    }

    private static List<ModbusPoint> ResolvePoints(ModbusDeviceOptions device, ValidationContext context)
    {
        var errors = context.Errors;
        var result = new List<(ModbusPointOptions Options, ProfileDefaults? Defaults)>();
        var devicePoints = device.Points;
        if (device.Profile is { } profileId)
        {
            var catalog = (ProfileCatalog)(context.State.TryGetValue("modbus.profiles", out var c) ? c
                : context.State["modbus.profiles"] = new ProfileCatalog(context.ProfilesDirectory, errors, context.Environment));
            var profile = catalog.Find(profileId, out bool exists);
            if (!exists)
            {
                string? suggestion = Names.Suggest(profileId, catalog.Available);
                errors.Error(device.OriginOf("profile"), device.PathOf("profile"), $"unknown profile '{profileId}' (looked in {ConfigurationLoader.DisplayPath(catalog.Directory)})",
                    suggestion is not null ? $"did you mean '{suggestion}'?" : $"available: {string.Join(", ", catalog.Available)}");
            }
            else if (profile is not null)
            {
                var dropped = new HashSet<string>(device.Overrides?.Drop ?? [], StringComparer.Ordinal);
                var known = profile.Points.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
                foreach (var id in dropped.Where(id => !known.Contains(id)))
                    errors.Error(device.Overrides!.OriginOf("drop"), device.Overrides.PathOf("drop"), $"profile '{profileId}' has no point '{id}' to drop",
                        Names.Suggest(id, known) is { } s ? $"did you mean '{s}'?" : null);
                foreach (var id in device.Overrides?.Rescale.Keys ?? [])
                    if (!known.Contains(id))
                        errors.Error(device.Overrides!.OriginOf("rescale"), device.Overrides.PathOf($"rescale.{id}"), $"profile '{profileId}' has no point '{id}' to rescale",
                            Names.Suggest(id, known) is { } s ? $"did you mean '{s}'?" : null);
                // A device point with a profile point's id changes that point, keeping what it does not say.
                var own = device.Points.ToLookup(p => p.Id, StringComparer.Ordinal);
                result.AddRange(profile.Points.Where(p => !dropped.Contains(p.Id))
                    .Select(p => (own[p.Id].FirstOrDefault() is { } changed ? ProfilePointMerge.Merge(p, changed) : p, (ProfileDefaults?)profile.Defaults)));
                device.ResolvedCommands = profile.Commands.ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
                foreach (var (name, steps) in profile.Commands)
                    foreach (var step in steps.Where(step => !known.Contains(step.Point)))
                        errors.Error(step.OriginOf("point"), step.PathOf("point"), $"command '{name}' of profile '{profileId}' writes '{step.Point}', which is not a point of the profile");
                var merged = profile.Points.Where(p => !dropped.Contains(p.Id)).Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
                devicePoints = [.. device.Points.Where(p => !merged.Contains(p.Id))];
            }
        }
        result.AddRange(devicePoints.Select(p => (p, (ProfileDefaults?)null)));

        var points = new List<ModbusPoint>();
        var ids = new Dictionary<string, ModbusPointOptions>(StringComparer.Ordinal);
        foreach (var (options, defaults) in result)
        {
            if (options.Id.Length > 0 && !ids.TryAdd(options.Id, options))
            {
                errors.Error(options.OriginOf("id"), options.PathOf("id"), $"duplicate point id '{options.Id}' in device '{device.Id}' (first at {ids[options.Id].OriginOf("id")})");
                continue;
            }
            var rescale = device.Overrides?.Rescale.GetValueOrDefault(options.Id);
            if (Resolve(options, defaults, rescale, errors) is { } point)
            {
                points.Add(point);
                if (options.Alarms is { } alarms)
                    device.ResolvedAlarms.Add(new PointAlarms(ModbusDeviceOptions.Describe(point), alarms, options));
            }
        }
        return points;
    }

    /// <summary>Turns one point's options into a readable point, or reports why it cannot be read.</summary>
    internal static ModbusPoint? Resolve(ModbusPointOptions p, ProfileDefaults? defaults, PointRescale? rescale, ConfigErrors errors)
    {
        var addresses = new List<(ModbusTable Table, int Address, string Key)>();
        if (p.Coil is { } coil) addresses.Add((ModbusTable.Coils, coil, "coil"));
        if (p.Discrete is { } discrete) addresses.Add((ModbusTable.DiscreteInputs, discrete, "discrete"));
        if (p.Input is { } input) addresses.Add((ModbusTable.InputRegisters, input, "input"));
        if (p.Holding is { } holding) addresses.Add((ModbusTable.HoldingRegisters, holding, "holding"));
        if (p.Register is { } register)
        {
            if (TryParseRegisterNotation(register, out var table, out int address, out string why))
                addresses.Add((table, address, "register"));
            else
            {
                errors.Error(p.OriginOf("register"), p.PathOf("register"), why,
                    "write 40001-49999 or 400001-465536 for holding registers, 30001-39999 for input registers; or use holding:/input: with a zero-based address");
                return null;
            }
        }
        if (addresses.Count != 1)
        {
            errors.Error(p.Origin, p.KeyPath, addresses.Count == 0
                    ? $"point '{p.Id}' has no address"
                    : $"point '{p.Id}' has {addresses.Count} addresses ({string.Join(", ", addresses.Select(a => a.Key))}); it needs exactly one",
                "write one of coil:, discrete:, input:, holding: (zero-based) or register: (data-sheet notation such as 40001)");
            return null;
        }
        var (tableOf, start, key) = addresses[0];
        bool bitTable = tableOf.IsBitTable();
        var type = p.Type ?? (bitTable ? ModbusDataType.Bool : defaults?.Type ?? ModbusDataType.UInt16);
        if (bitTable != (type == ModbusDataType.Bool))
        {
            errors.Error(p.OriginOf(p.Has("type") ? "type" : key), p.PathOf("type"), bitTable
                    ? $"a {key} is a single bit; type {YamlBinder.EnumName(typeof(ModbusDataType), type)} needs registers"
                    : $"type bool is for coils and discrete inputs; a register point of one bit is type: bit with bit: N",
                bitTable ? "leave out type:, or read the value from input: or holding:" : "write type: bit and bit: 0-15, or a numeric type");
            return null;
        }
        if (type == ModbusDataType.Bit && p.Bit is null)
        {
            errors.Error(p.OriginOf("type"), p.PathOf("bit"), $"point '{p.Id}' of type bit needs 'bit:'", "add bit: 0 (least significant) to 15");
            return null;
        }
        if (type == ModbusDataType.String && p.Length is null)
        {
            errors.Error(p.OriginOf("type"), p.PathOf("length"), $"point '{p.Id}' of type string needs 'length:' (registers, two characters each)", "add for example length: 8");
            return null;
        }
        var format = new RegisterFormat(type, p.ByteOrder ?? defaults?.ByteOrder ?? ByteOrder.ABCD, p.Bit ?? 0, p.Length ?? 0);
        if (start + format.Width > ModbusLimits.AddressSpace)
        {
            errors.Error(p.OriginOf(key), p.PathOf(key), $"point '{p.Id}' at {start} with {format.Width} registers runs past address 65535");
            return null;
        }
        double? min = null, max = null;
        var (deadband, rangeGiven, rangeOwner, rangeKey) = RescaledLimits(p, rescale, errors);
        if (rangeGiven is { } range)
        {
            if (range.Count != 2 || range[0] >= range[1])
                errors.Error(rangeOwner.OriginOf(rangeKey), rangeOwner.PathOf(rangeKey), "range needs two numbers, the lower first", "for example range: [0, 16] for a pressure in bar");
            else
                (min, max) = (range[0], range[1]);
        }
        if (deadband is < 0)
            errors.Error(p.OriginOf("deadband"), p.PathOf("deadband"), "deadband cannot be negative");
        var scaling = new Scaling(rescale?.Scale ?? p.Scale ?? 1, rescale?.Offset ?? p.Offset ?? 0);
        if (scaling.Scale == 0)
            errors.Error(p.OriginOf("scale"), p.PathOf("scale"), "scale 0 would make every value 0", "leave out scale: for 1");
        if (p.Meaning is not null && format.Type is not (ModbusDataType.Bool or ModbusDataType.Bit))
            errors.Error(p.OriginOf("meaning"), p.PathOf("meaning"), $"'meaning:' is for a contact, and point '{p.Id}' is a {YamlBinder.EnumName(typeof(ModbusDataType), format.Type)}",
                "read the contact as a coil, a discrete input or type: bit with bit:, or leave out meaning:");
        if (p.Write is { } write)
            CheckWrite(p, write, tableOf, format, errors);
        return new ModbusPoint(p.Id, p.Name, tableOf, (ushort)start, format, scaling, rescale?.Unit ?? p.Unit ?? "", deadband ?? 0, min, max, p.Origin, p.Meaning, p.Write);
    }

    private static readonly string[] WriteRoles = ["technician", "installer"];

    /// <summary>What a writable point must be: a holding register (whole, not a bit or text) or a coil, with sane bounds.</summary>
    private static void CheckWrite(ModbusPointOptions p, Writes.PointWriteOptions write, ModbusTable table, RegisterFormat format, ConfigErrors errors)
    {
        if (table is not (ModbusTable.HoldingRegisters or ModbusTable.Coils) || format.Type is ModbusDataType.Bit or ModbusDataType.String)
            errors.Error(p.OriginOf("write"), p.PathOf("write"), $"point '{p.Id}' cannot be written: only holding registers (numbers) and coils can",
                "leave out write: for an input, a discrete input, a bit of a register or text");
        if (write.Min is { } low && write.Max is { } high && low >= high)
            errors.Error(write.OriginOf("min"), write.PathOf("min"), $"min {low} is not below max {high}");
        if (table == ModbusTable.HoldingRegisters && write.Values is not { Count: > 0 } && (write.Min is null || write.Max is null))
            errors.Error(write.Origin, write.PathOf(write.Min is null ? "min" : "max"), "a writable register needs min: and max:, or values:", "for example write: { min: 40, max: 55, step: 0.5 } for a supply temperature setpoint");
        if (write.Step is <= 0)
            errors.Error(write.OriginOf("step"), write.PathOf("step"), "step must be above 0");
        foreach (var role in write.Roles.Where(r => !WriteRoles.Contains(r)))
            errors.Error(write.OriginOf("roles"), write.PathOf("roles"), $"'{role}' is not a role that may write", "roles: technician, installer");
        foreach (var interlock in write.Interlocks.Where(i => !i.Point.Contains('/', StringComparison.Ordinal)))
            errors.Error(interlock.OriginOf("point"), interlock.PathOf("point"), $"'{interlock.Point}' is not device/point", "for example point: leak-panel/di0");
    }

    /// <summary>
    /// The deadband and range in the unit the point is read in: a rescale to another unit moves the profile's into it by
    /// the units' factor (a deadband of 0.05 m³/h is 0.0139 L/s), or takes the rescale's own; with no factor and none
    /// given, that is an error rather than limits in the wrong unit.
    /// </summary>
    private static (double? Deadband, IReadOnlyList<double>? Range, ConfigNode Owner, string RangeKey) RescaledLimits(ModbusPointOptions p, PointRescale? rescale, ConfigErrors errors)
    {
        if (rescale is null || rescale.Unit is not { } unit || unit == (p.Unit ?? ""))
            return (rescale?.Deadband ?? p.Deadband, rescale?.Range ?? p.Range, rescale?.Range is null ? p : rescale, "range");
        double? factor = UnitConversion.Factor(p.Unit ?? "", unit);
        double? deadband = rescale.Deadband ?? (p.Deadband is { } d && factor is { } f ? d * f : null);
        IReadOnlyList<double>? range = rescale.Range ?? (p.Range is { Count: 2 } r && factor is { } g ? [r[0] * g, r[1] * g] : null);
        if ((p.Deadband is not null && deadband is null) || (p.Range is not null && range is null))
            errors.Error(rescale.OriginOf("unit"), rescale.PathOf("unit"), $"no factor from {p.Unit} to {unit} is known, so the profile's deadband and range cannot be moved into {unit}",
                $"give them in {unit} beside it: deadband: ..., range: [min, max]");
        return (deadband, range, rescale.Range is null ? p : rescale, "range");
    }

    /// <summary>Data-sheet notation: 5 digits (40001 = holding 0) or 6 digits (400001 = holding 0); leading 0xxxx coils, 1xxxx discrete, 3xxxx input, 4xxxx holding.</summary>
    internal static bool TryParseRegisterNotation(int register, out ModbusTable table, out int address, out string error)
    {
        table = default;
        address = 0;
        error = "";
        int digit, offset;
        if (register is >= 1 and <= 49999)
            (digit, offset) = (register / 10000, register % 10000);
        else if (register is >= 100001 and <= 465536)
            (digit, offset) = (register / 100000, register % 100000);
        else
        {
            error = $"register {register} is not in the 5-digit (1-49999) or 6-digit (100001-465536) notation";
            return false;
        }
        if (offset == 0)
        {
            error = $"register {register} is address 0 of the notation, which is one-based";
            return false;
        }
        switch (digit)
        {
            case 0: table = ModbusTable.Coils; break;
            case 1: table = ModbusTable.DiscreteInputs; break;
            case 3: table = ModbusTable.InputRegisters; break;
            case 4: table = ModbusTable.HoldingRegisters; break;
            default:
                error = $"register {register} starts with {digit}; only 0 (coils), 1 (discrete), 3 (input) and 4 (holding) exist";
                return false;
        }
        address = offset - 1;
        return true;
    }

    /// <summary>Two points over the same registers disagree on what they hold, unless both are bits of a register.</summary>
    private static void CheckOverlaps(ModbusDeviceOptions device, ConfigErrors errors)
    {
        var sorted = device.ResolvedPoints.OrderBy(p => p.Table).ThenBy(p => p.Address).ToList();
        for (int i = 0; i < sorted.Count; i++)
        {
            for (int j = i + 1; j < sorted.Count && sorted[j].Table == sorted[i].Table && sorted[j].Address < sorted[i].Address + sorted[i].Width; j++)
            {
                var (a, b) = (sorted[i], sorted[j]);
                if (!Compatible(a, b))
                    errors.Error(b.Origin, device.PathOf("points"),
                        $"points '{a.Id}' and '{b.Id}' of device '{device.Id}' overlap at {TableName(a.Table)} {b.Address} (first at {a.Origin})",
                        "check the addresses; bits of one register are fine as type: bit with different bit: numbers, beside the whole register as int16 or uint16");
            }
        }
    }

    /// <summary>Overlaps that make sense: different bits of one register, or bits beside the whole 16-bit register.</summary>
    private static bool Compatible(ModbusPoint a, ModbusPoint b)
    {
        bool aBit = a.Format.Type == ModbusDataType.Bit, bBit = b.Format.Type == ModbusDataType.Bit;
        if (aBit && bBit)
            return a.Format.BitIndex != b.Format.BitIndex;
        if (aBit || bBit)
        {
            var whole = aBit ? b : a;
            return whole.Width == 1 && whole.Format.Type is ModbusDataType.UInt16 or ModbusDataType.Int16;
        }
        return false;
    }

    private static void CheckPlan(ModbusDeviceOptions device, ConfigErrors errors)
    {
        var options = PlannerOptions(device);
        foreach (var point in device.ResolvedPoints)
        {
            int limit = options.LimitFor(point.Table);
            if (point.Width > limit)
                errors.Error(device.OriginOf("max_registers_per_read"), device.PathOf("points"),
                    $"point '{point.Id}' needs {point.Width} registers, more than max_registers_per_read {limit}", "raise max_registers_per_read or shorten the string");
        }
    }

    internal static ReadPlannerOptions PlannerOptions(ModbusDeviceOptions device) =>
        new() { MaxGap = device.MaxGap, MaxRegistersPerRead = device.MaxRegistersPerRead, MaxBitsPerRead = device.MaxBitsPerRead };

    internal static string TableName(ModbusTable table) => table switch
    {
        ModbusTable.Coils => "coil",
        ModbusTable.DiscreteInputs => "discrete",
        ModbusTable.InputRegisters => "input",
        _ => "holding",
    };
}
