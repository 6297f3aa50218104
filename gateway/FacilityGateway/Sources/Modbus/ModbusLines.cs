using System.Globalization;
using System.IO.Ports;
using System.Text;
using FacilityGateway.Configuration;
using FacilityGateway.Configuration.Yaml;
using FacilityGateway.Modbus.Client;
using FacilityGateway.Modbus.Planning;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Transport;

namespace FacilityGateway.Sources.Modbus;

/// <summary>One physical line and the devices on it: what a <see cref="LineArbiter"/> serves.</summary>
public sealed record ModbusLinePlan(string Key, ModbusEndpoint Endpoint, TimeSpan Timeout, TimeSpan MinRequestGap, IReadOnlyList<ModbusDeviceOptions> Devices)
{
    /// <summary>True for a serial line: its bus time is shared and predictable.</summary>
    public bool IsSerial => Endpoint.Kind == ModbusEndpointKind.Rtu;

    /// <summary>The response timeout of a device on this line.</summary>
    public TimeSpan TimeoutOf(ModbusDeviceOptions device) => device.Timeout ?? Timeout;
}

/// <summary>Groups Modbus devices into lines, checks the lines, and writes the plan that <c>validate</c> shows.</summary>
public static class ModbusLines
{
    /// <summary>Lines with their enabled devices. Devices with their own endpoint that name the same endpoint share a line (one connection).</summary>
    public static IReadOnlyList<ModbusLinePlan> Build(SourcePlan plan)
    {
        var lines = new Dictionary<string, (ModbusEndpoint Endpoint, TimeSpan Timeout, TimeSpan Gap, List<ModbusDeviceOptions> Devices)>(StringComparer.Ordinal);
        foreach (var device in plan.Devices.OfType<ModbusDeviceOptions>())
        {
            string key;
            ModbusEndpoint endpoint;
            TimeSpan timeout = TimeSpan.FromSeconds(1), gap = TimeSpan.Zero;
            if (device.Line is { } lineId && plan.Lines.FirstOrDefault(l => l.Id == lineId) is { } line)
            {
                key = line.Id;
                endpoint = EndpointOf(line);
                timeout = line.Timeout;
                gap = line.MinRequestGap;
            }
            else if (device.Endpoint is { } text && ModbusEndpoint.TryParse(text, out var parsed, out _))
            {
                endpoint = parsed;
                key = parsed.ToString();
            }
            else
            {
                continue; // reported by validation
            }
            if (!lines.TryGetValue(key, out var entry))
                lines[key] = entry = (endpoint, timeout, gap, []);
            entry.Devices.Add(device);
        }
        return [.. lines.Select(l => new ModbusLinePlan(l.Key, l.Value.Endpoint, l.Value.Timeout, l.Value.Gap, l.Value.Devices))];
    }

    /// <summary>The endpoint of a configured line.</summary>
    public static ModbusEndpoint EndpointOf(LineOptions line) => line.Serial is { } serial
        ? new ModbusEndpoint
        {
            Kind = ModbusEndpointKind.Rtu,
            Serial = new SerialLineSettings
            {
                PortName = serial.Device,
                BaudRate = serial.Baud,
                Parity = serial.Parity,
                DataBits = serial.DataBits,
                StopBits = serial.StopBits == 2 ? StopBits.Two : StopBits.One,
            },
        }
        : new ModbusEndpoint
        {
            Kind = line.Tcp!.Framing == TcpFraming.Rtu ? ModbusEndpointKind.RtuOverTcp : ModbusEndpointKind.Tcp,
            Host = line.Tcp.Host,
            Port = line.Tcp.Port,
        };

    /// <summary>Unit ids unique per line; serial lines not over-subscribed.</summary>
    internal static void CheckLines(GatewayConfig config, ConfigErrors errors)
    {
        foreach (var line in config.Lines)
        {
            if (line.Serial is not { } serial || EndpointOf(line).Serial is not { } settings)
                continue;
            // What the port refuses when it opens is refused here, so 'validate' OK means the line can be opened.
            if (SerialLineConnector.SettingsProblem(settings) is { } problem)
                errors.Error(serial.OriginOf("baud"), serial.PathOf("baud"), $"line '{line.Id}': {problem.TrimEnd('.')}",
                    "use a standard rate the meters are set to, for example baud: 9600 or 19200");
        }
        foreach (var group in config.Lines.Where(l => l.Serial is { Device.Length: > 0 }).GroupBy(l => l.Serial!.Device, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            var first = group.First();
            foreach (var other in group.Skip(1))
                errors.Error(other.Serial!.OriginOf("device"), other.Serial.PathOf("device"),
                    $"lines '{first.Id}' and '{other.Id}' both open {group.Key}: two lines on one port would interleave their frames on the bus",
                    $"put every device of that bus on line '{first.Id}' and remove line '{other.Id}'");
        }
        foreach (var line in Build(SourcePlan.Of(config)))
        {
            foreach (var group in line.Devices.GroupBy(d => d.Unit).Where(g => g.Count() > 1))
            {
                var first = group.First();
                foreach (var other in group.Skip(1))
                    errors.Error(other.OriginOf("unit"), other.PathOf("unit"), $"devices '{first.Id}' and '{other.Id}' both use unit {group.Key} on line '{line.Key}'",
                        "each device on a line needs its own unit id; change it here and on the device");
            }
            if (!line.IsSerial || line.Devices.Any(d => d.ResolvedPoints.Count == 0))
                continue;
            var load = BusLoad(line);
            var fastest = line.Devices.MinBy(d => d.Interval)!;
            if (load.Utilisation > 1)
                errors.Error(fastest.OriginOf("interval"), fastest.PathOf("interval"),
                    $"line '{line.Key}' cannot serve its devices: they need {load.Utilisation:P0} of its bus time ({Durations.Format(load.CycleTime)} per cycle of all devices)",
                    "poll less often (longer interval:), raise the baud rate, or move devices to another line");
            else if (load.Utilisation > 0.7)
                errors.Warning(fastest.OriginOf("interval"), fastest.PathOf("interval"),
                    $"line '{line.Key}' is {load.Utilisation:P0} busy; a slow or dead device will delay the others",
                    "keep a serial line under 70% busy: poll less often or raise the baud rate");
        }
    }

    /// <summary>Predicted wire time of a serial line: frames at the line's character time plus silent intervals and request gaps.</summary>
    public static (TimeSpan CycleTime, double Utilisation) BusLoad(ModbusLinePlan line)
    {
        var serial = line.Endpoint.Serial!;
        TimeSpan cycle = TimeSpan.Zero;
        double utilisation = 0;
        foreach (var device in line.Devices)
        {
            var time = DeviceBusTime(device, serial, line.MinRequestGap);
            cycle += time;
            utilisation += time / device.Interval;
        }
        return (cycle, utilisation);
    }

    /// <summary>Wire time of one poll of a device: for each read, request (8 bytes) and response frames plus two silent intervals.</summary>
    public static TimeSpan DeviceBusTime(ModbusDeviceOptions device, SerialLineSettings serial, TimeSpan gap)
    {
        var total = TimeSpan.Zero;
        foreach (var block in Plan(device))
        {
            int responseBytes = 5 + (block.Table.IsBitTable() ? (block.Count + 7) / 8 : block.Count * 2); // address, function, count, data, CRC
            total += serial.FrameTime(8 + responseBytes) + serial.InterFrameDelay * 2 + gap;
        }
        return total;
    }

    /// <summary>The reads a device's poll makes.</summary>
    public static IReadOnlyList<ReadBlock> Plan(ModbusDeviceOptions device) =>
        ReadPlanner.Plan([.. device.ResolvedPoints.Select(p => new PointSpan(p.Table, p.Address, p.Width))], ModbusDeviceKind.PlannerOptions(device));

    /// <summary>The human-readable plan that <c>validate</c> prints.</summary>
    public static string Describe(SourcePlan plan)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        foreach (var line in Build(plan))
        {
            sb.AppendLine(ci, $"line {line.Key} ({line.Endpoint}), {line.Devices.Count} device(s)");
            foreach (var device in line.Devices)
            {
                var reads = Plan(device);
                sb.AppendLine(ci, $"  device {device.Id} unit {device.Unit}, every {Durations.Format(device.Interval)}, {device.ResolvedPoints.Count} points in {reads.Count} read(s):");
                foreach (var block in reads)
                    sb.AppendLine(ci, $"    {ModbusDeviceKind.TableName(block.Table),-8} start {block.Start,5} count {block.Count,4}  (FC {(byte)block.Table.ReadFunction():D2}; {string.Join(", ", block.Points.Select(i => device.ResolvedPoints[i].Id))})");
            }
            if (line.IsSerial)
            {
                var (cycle, utilisation) = BusLoad(line);
                var shortest = line.Devices.Min(d => d.Interval);
                string warning = utilisation > 0.7 ? "  << over-subscribed" : "";
                sb.AppendLine(ci, $"  bus time per cycle of all devices: {cycle.TotalMilliseconds:F1} ms at {line.Endpoint.Serial!.BaudRate} baud; shortest interval {Durations.Format(shortest)}; line {utilisation:P0} busy{warning}");
            }
        }
        return sb.ToString();
    }
}
