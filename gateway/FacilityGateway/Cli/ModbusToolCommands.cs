using System.CommandLine;
using System.Globalization;
using FacilityGateway.Configuration.Yaml;
using FacilityGateway.Modbus.Client;
using FacilityGateway.Modbus.Codec;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Transport;

namespace FacilityGateway.Cli;

/// <summary>Installer tools that need no configuration: <c>modbus read</c> and <c>modbus scan</c>.</summary>
internal static class ModbusToolCommands
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var modbus = new Command("modbus", "Talk to a Modbus device directly (wiring checks, finding unit ids and registers).");
        modbus.Add(ReadCommand(output, error));
        modbus.Add(ScanCommand(output, error));
        modbus.Add(WriteCommand(output, error));
        return modbus;
    }

    private static Argument<string> EndpointArgument() => new("endpoint")
    {
        Description = "tcp://host:502, rtu:///dev/ttyUSB0?baud=9600&parity=even, or rtu+tcp://host:4001",
    };

    private static Option<string> TimeoutOption(string defaultValue) => new("--timeout")
    {
        Description = "Response timeout, such as 500ms or 1s.",
        DefaultValueFactory = _ => defaultValue,
    };

    private static Command ReadCommand(TextWriter output, TextWriter error)
    {
        var endpoint = EndpointArgument();
        var unit = new Option<int>("--unit", "-u") { Description = "Unit id (slave address).", DefaultValueFactory = _ => 1 };
        var table = new Option<string>("--table", "-t") { Description = "coil, discrete, input or holding.", DefaultValueFactory = _ => "holding" };
        var address = new Option<int>("--address", "-a") { Description = "Zero-based address (40001 in a data sheet is holding 0).", Required = true };
        var count = new Option<int>("--count", "-n") { Description = "How many values.", DefaultValueFactory = _ => 1 };
        var type = new Option<string>("--type") { Description = "bool, bit, int16, uint16, int32, uint32, int64, uint64, float32, float64, string.", DefaultValueFactory = _ => "" };
        var order = new Option<string>("--byte-order") { Description = "ABCD, CDAB, BADC or DCBA.", DefaultValueFactory = _ => "ABCD" };
        var length = new Option<int>("--length") { Description = "Registers of a string.", DefaultValueFactory = _ => 8 };
        var timeout = TimeoutOption("1s");
        var repeat = new Option<int>("--repeat") { Description = "Read this many times on one connection (a link's health: failures, round trips), then print the last.", DefaultValueFactory = _ => 1 };
        var command = new Command("read", "Read registers or bits and print them decoded.") { endpoint, unit, table, address, count, type, order, length, timeout, repeat };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!TryTable(parse.GetValue(table)!, out var modbusTable, error)
                || !TryEndpoint(parse.GetValue(endpoint)!, out var target, error)
                || !TryDuration(parse.GetValue(timeout)!, out var responseTimeout, error))
                return ExitCodes.ConfigurationError;
            string typeName = parse.GetValue(type)!;
            var dataType = typeName.Length == 0 ? (modbusTable.IsBitTable() ? ModbusDataType.Bool : ModbusDataType.UInt16) : default;
            if (typeName.Length > 0 && !Enum.TryParse(typeName, ignoreCase: true, out dataType))
            {
                error.WriteLine($"unknown type '{typeName}'; use bool, bit, int16, uint16, int32, uint32, int64, uint64, float32, float64 or string");
                return ExitCodes.ConfigurationError;
            }
            if (!Enum.TryParse(parse.GetValue(order), ignoreCase: true, out ByteOrder byteOrder))
            {
                error.WriteLine($"unknown byte order '{parse.GetValue(order)}'; use ABCD, CDAB, BADC or DCBA");
                return ExitCodes.ConfigurationError;
            }
            var format = new RegisterFormat(dataType, byteOrder, StringRegisters: (ushort)parse.GetValue(length));
            int n = parse.GetValue(count), start = parse.GetValue(address);
            int width = dataType == ModbusDataType.Bit ? 1 : format.Width;
            int total = dataType == ModbusDataType.Bit ? 1 : n * width;
            if (start < 0 || start + total > ModbusLimits.AddressSpace || total < 1 || total > modbusTable.MaxReadCount())
            {
                error.WriteLine($"address {start} with {total} {(modbusTable.IsBitTable() ? "bits" : "registers")} is outside 0-65535 or above the {modbusTable.MaxReadCount()} of one read");
                return ExitCodes.ConfigurationError;
            }
            int times = parse.GetValue(repeat);
            if (times < 1)
            {
                error.WriteLine($"--repeat {times}: give 1 or more reads");
                return ExitCodes.ConfigurationError;
            }
            await using var client = ModbusClient.Create(target, new ModbusTransportOptions { ResponseTimeout = responseTimeout }, ModbusRetryPolicy.None);
            if (times > 1)
                await RepeatReadsAsync(client, (byte)parse.GetValue(unit), modbusTable, (ushort)start, total, times, output, cancellationToken).ConfigureAwait(false);
            try
            {
                var registers = new ushort[total];
                if (modbusTable.IsBitTable())
                {
                    var bits = new bool[total];
                    await client.ReadBitsAsync((byte)parse.GetValue(unit), modbusTable, (ushort)start, bits, cancellationToken).ConfigureAwait(false);
                    for (int i = 0; i < total; i++)
                        output.WriteLine($"{TableName(modbusTable)} {start + i}: {(bits[i] ? 1 : 0)}");
                    return ExitCodes.Ok;
                }
                await client.ReadRegistersAsync((byte)parse.GetValue(unit), modbusTable, (ushort)start, registers, cancellationToken).ConfigureAwait(false);
                for (int i = 0; i < (dataType == ModbusDataType.Bit ? 16 : n); i++)
                {
                    if (dataType == ModbusDataType.Bit)
                    {
                        output.WriteLine($"{TableName(modbusTable)} {start} bit {i}: {(registers[0] >> i) & 1}");
                        continue;
                    }
                    var slice = registers.AsSpan(i * width, width);
                    string raw = string.Join(' ', slice.ToArray().Select(r => r.ToString("X4", CultureInfo.InvariantCulture)));
                    string value = dataType == ModbusDataType.String ? $"\"{ModbusValueCodec.DecodeString(slice, format)}\""
                        : dataType is ModbusDataType.Int64 or ModbusDataType.UInt64 ? (dataType == ModbusDataType.Int64 ? ModbusValueCodec.DecodeInt64(slice, format).ToString(CultureInfo.InvariantCulture) : ModbusValueCodec.DecodeUInt64(slice, format).ToString(CultureInfo.InvariantCulture))
                        : ModbusValueCodec.DecodeDouble(slice, format).ToString("G9", CultureInfo.InvariantCulture);
                    output.WriteLine($"{TableName(modbusTable)} {start + i * width}: {value}  [{raw}]");
                }
                return ExitCodes.Ok;
            }
            catch (ModbusException ex)
            {
                error.WriteLine($"{target}: unit {parse.GetValue(unit)}: {ex.Message}");
                return ExitCodes.Failure;
            }
        });
        return command;
    }

    /// <summary>
    /// <c>--repeat N</c>: N reads back to back on one connection, and what they say about the link: failures by reason,
    /// round trips, and this process's CPU per read (the gateway's own Modbus client, as the shipped build runs it). The
    /// first tenth (at most 20,000) warms up the JIT and is counted but not timed.
    /// </summary>
    private static async Task RepeatReadsAsync(ModbusClient client, byte unit, ModbusTable table, ushort start, int total, int times, TextWriter output, CancellationToken cancellationToken)
    {
        var registers = new ushort[table.IsBitTable() ? 0 : total];
        var bits = new bool[table.IsBitTable() ? total : 0];
        var failures = new Dictionary<string, int>(StringComparer.Ordinal);
        int warmUp = Math.Min(times / 10, 20_000);
        var roundTrips = new long[times - warmUp];
        TimeSpan cpuAtStart = TimeSpan.Zero;
        long wallAtStart = 0;
        for (int i = 0; i < times; i++)
        {
            if (i == warmUp)
            {
                cpuAtStart = Environment.CpuUsage.TotalTime;
                wallAtStart = System.Diagnostics.Stopwatch.GetTimestamp();
            }
            long sent = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                if (table.IsBitTable())
                    await client.ReadBitsAsync(unit, table, start, bits, cancellationToken).ConfigureAwait(false);
                else
                    await client.ReadRegistersAsync(unit, table, start, registers, cancellationToken).ConfigureAwait(false);
            }
            catch (ModbusException ex)
            {
                string reason = ex.GetType().Name;
                failures[reason] = failures.GetValueOrDefault(reason) + 1;
            }
            if (i >= warmUp)
                roundTrips[i - warmUp] = System.Diagnostics.Stopwatch.GetTimestamp() - sent;
        }
        var cpu = Environment.CpuUsage.TotalTime - cpuAtStart;
        var wall = System.Diagnostics.Stopwatch.GetElapsedTime(wallAtStart);
        Array.Sort(roundTrips);
        double Ms(long ticks) => ticks * 1000.0 / System.Diagnostics.Stopwatch.Frequency;
        int timed = roundTrips.Length;
        int failed = failures.Values.Sum();
        output.WriteLine(FormattableString.Invariant(
            $"{times} reads, {failed} failed{(failed > 0 ? " (" + string.Join(", ", failures.Select(f => $"{f.Value} {f.Key}")) + ")" : "")}; round trip p50 {Ms(roundTrips[timed / 2]):F3} ms, p99 {Ms(roundTrips[Math.Min(timed - 1, timed * 99 / 100)]):F3} ms, max {Ms(roundTrips[^1]):F3} ms; {timed / wall.TotalSeconds:F0} reads/s; cpu_per_read_us={cpu.TotalMicroseconds / timed:F1} (after {warmUp} warm-up reads)"));
    }

    /// <summary>
    /// An installer's write on a bench, straight to a device (not through a gateway, so no roles, interlocks or audit):
    /// refused without <c>--yes</c>, one request (FC 05 or FC 06/16, never retried), then read back.
    /// </summary>
    private static Command WriteCommand(TextWriter output, TextWriter error)
    {
        var endpoint = EndpointArgument();
        var unit = new Option<int>("--unit", "-u") { Description = "Unit id (slave address).", DefaultValueFactory = _ => 1 };
        var table = new Option<string>("--table", "-t") { Description = "coil or holding.", DefaultValueFactory = _ => "holding" };
        var address = new Option<int>("--address", "-a") { Description = "Zero-based address (40001 in a data sheet is holding 0).", Required = true };
        var value = new Option<double>("--value") { Description = "The value (0 or 1 for a coil).", Required = true };
        var type = new Option<string>("--type") { Description = "int16, uint16, int32, uint32, float32, float64.", DefaultValueFactory = _ => "uint16" };
        var order = new Option<string>("--byte-order") { Description = "ABCD, CDAB, BADC or DCBA.", DefaultValueFactory = _ => "ABCD" };
        var yes = new Option<bool>("--yes") { Description = "Really write: a write changes equipment." };
        var timeout = TimeoutOption("1s");
        var command = new Command("write", "Write one register value or coil straight to a device, then read it back (bench work; needs --yes).") { endpoint, unit, table, address, value, type, order, yes, timeout };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!TryTable(parse.GetValue(table)!, out var modbusTable, error)
                || !TryEndpoint(parse.GetValue(endpoint)!, out var target, error)
                || !TryDuration(parse.GetValue(timeout)!, out var responseTimeout, error))
                return ExitCodes.ConfigurationError;
            if (modbusTable is not (ModbusTable.Coils or ModbusTable.HoldingRegisters))
            {
                error.WriteLine("only coils and holding registers can be written");
                return ExitCodes.ConfigurationError;
            }
            if (!Enum.TryParse(parse.GetValue(type), ignoreCase: true, out ModbusDataType dataType) || dataType is ModbusDataType.Bit or ModbusDataType.Bool or ModbusDataType.String
                || !Enum.TryParse(parse.GetValue(order), ignoreCase: true, out ByteOrder byteOrder))
            {
                error.WriteLine($"type '{parse.GetValue(type)}' or byte order '{parse.GetValue(order)}' is not one to write; use int16, uint16, int32, uint32, float32, float64 and ABCD, CDAB, BADC, DCBA");
                return ExitCodes.ConfigurationError;
            }
            byte id = (byte)parse.GetValue(unit);
            var start = (ushort)parse.GetValue(address);
            double wanted = parse.GetValue(value);
            if (!parse.GetValue(yes))
            {
                error.WriteLine($"this would write {wanted} to {TableName(modbusTable)} {start} of unit {id} at {target}: add --yes to do it");
                return ExitCodes.ConfigurationError;
            }
            await using var client = ModbusClient.Create(target, new ModbusTransportOptions { ResponseTimeout = responseTimeout }, ModbusRetryPolicy.None);
            try
            {
                if (modbusTable == ModbusTable.Coils)
                {
                    await client.WriteSingleCoilAsync(id, start, wanted != 0, cancellationToken).ConfigureAwait(false);
                    var bits = new bool[1];
                    await client.ReadBitsAsync(id, ModbusTable.Coils, start, bits, cancellationToken).ConfigureAwait(false);
                    output.WriteLine($"coil {start}: wrote {(wanted != 0 ? 1 : 0)}, reads {(bits[0] ? 1 : 0)}");
                    return ExitCodes.Ok;
                }
                var format = new RegisterFormat(dataType, byteOrder);
                var registers = new ushort[format.Width];
                ModbusValueCodec.EncodeDouble(wanted, format, registers);
                if (registers.Length == 1)
                    await client.WriteSingleRegisterAsync(id, start, registers[0], cancellationToken).ConfigureAwait(false);
                else
                    await client.WriteMultipleRegistersAsync(id, start, registers, cancellationToken).ConfigureAwait(false);
                var back = new ushort[format.Width];
                await client.ReadRegistersAsync(id, ModbusTable.HoldingRegisters, start, back, cancellationToken).ConfigureAwait(false);
                output.WriteLine($"holding {start}: wrote {wanted.ToString("G9", CultureInfo.InvariantCulture)}, reads {ModbusValueCodec.DecodeDouble(back, format).ToString("G9", CultureInfo.InvariantCulture)}");
                return ExitCodes.Ok;
            }
            catch (OverflowException)
            {
                error.WriteLine($"{wanted} does not fit a {parse.GetValue(type)}");
                return ExitCodes.ConfigurationError;
            }
            catch (ModbusException ex)
            {
                error.WriteLine($"{target}: unit {id}: {ex.Message} (a write that timed out may have been done: read it back before trying again)");
                return ExitCodes.Failure;
            }
        });
        return command;
    }

    private static Command ScanCommand(TextWriter output, TextWriter error)
    {
        var endpoint = EndpointArgument();
        var units = new Option<string>("--units") { Description = "Unit ids to probe, such as 1-247 or 1,2,10-20.", DefaultValueFactory = _ => "1-247" };
        var timeout = TimeoutOption("200ms");
        var command = new Command("scan", "Probe unit ids on a line and list those that answer.") { endpoint, units, timeout };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!TryEndpoint(parse.GetValue(endpoint)!, out var target, error)
                || !TryDuration(parse.GetValue(timeout)!, out var responseTimeout, error)
                || !TryUnits(parse.GetValue(units)!, out var ids, error))
                return ExitCodes.ConfigurationError;
            await using var client = ModbusClient.Create(target, new ModbusTransportOptions { ResponseTimeout = responseTimeout, ConnectTimeout = TimeSpan.FromSeconds(3) }, ModbusRetryPolicy.None);
            int found = 0;
            var one = new ushort[1];
            foreach (byte id in ids)
            {
                string? answer;
                try
                {
                    await client.ReadHoldingRegistersAsync(id, 0, one, cancellationToken).ConfigureAwait(false);
                    answer = $"holding 0 = {one[0]}";
                }
                catch (ModbusServerException ex) when (ex.Code != ModbusExceptionCode.GatewayTargetDeviceFailedToRespond && ex.Code != ModbusExceptionCode.GatewayPathUnavailable)
                {
                    answer = $"answers with exception {(byte)ex.Code:X2} ({ex.Code}) to a read of holding 0";
                }
                catch (ModbusConnectionException ex)
                {
                    error.WriteLine($"{target}: {ex.Message}");
                    return ExitCodes.Failure;
                }
                catch (ModbusException)
                {
                    answer = null; // no device there
                }
                if (answer is not null)
                {
                    found++;
                    output.WriteLine($"unit {id}: {answer}");
                }
            }
            output.WriteLine($"{found} unit(s) answered out of {ids.Count} probed on {target}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static bool TryEndpoint(string text, out ModbusEndpoint endpoint, TextWriter error)
    {
        if (ModbusEndpoint.TryParse(text, out endpoint, out string why))
            return true;
        error.WriteLine($"endpoint '{text}': {why}");
        return false;
    }

    private static bool TryDuration(string text, out TimeSpan value, TextWriter error)
    {
        if (Durations.TryParse(text, out value, out string why))
            return true;
        error.WriteLine($"--timeout: {why}");
        return false;
    }

    private static bool TryTable(string text, out ModbusTable table, TextWriter error)
    {
        switch (text.ToLowerInvariant())
        {
            case "coil" or "coils": table = ModbusTable.Coils; return true;
            case "discrete" or "discrete_input" or "discrete-input": table = ModbusTable.DiscreteInputs; return true;
            case "input" or "input_register" or "input-register": table = ModbusTable.InputRegisters; return true;
            case "holding" or "holding_register" or "holding-register": table = ModbusTable.HoldingRegisters; return true;
            default:
                error.WriteLine($"unknown table '{text}'; use coil, discrete, input or holding");
                table = default;
                return false;
        }
    }

    internal static bool TryUnits(string text, out List<byte> units, TextWriter error)
    {
        units = [];
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var bounds = part.Split('-', 2);
            if (!int.TryParse(bounds[0], CultureInfo.InvariantCulture, out int low) || !int.TryParse(bounds[^1], CultureInfo.InvariantCulture, out int high)
                || low < 0 || high > 255 || low > high)
            {
                error.WriteLine($"--units: '{part}' is not a unit id or range from 0 to 255, such as 1-247");
                return false;
            }
            for (int u = low; u <= high; u++)
                units.Add((byte)u);
        }
        return units.Count > 0;
    }

    private static string TableName(ModbusTable table) => Sources.Modbus.ModbusDeviceKind.TableName(table);
}
