using System.CommandLine;
using System.Globalization;

namespace FacilityGateway.Cli;

/// <summary>
/// <c>write DEVICE/POINT VALUE --as PERSON</c> (or <c>write DEVICE --command reset_fault --as PERSON</c>): a technician sets
/// a writable point, or runs a named command of the device's profile, through the running gateway, which
/// checks role, bounds, step, interlocks and rate and audits it (docs/CONTROL.md). The command connects to the
/// gateway's broker as that person (their password from <c>FACILITY_GATEWAY_MQTT_PASSWORD</c> or
/// <c>--password-file</c>), so the broker, not a typed name, says who writes. Bench writes straight to a device are
/// <c>modbus write</c>.
/// </summary>
internal static class WriteCommands
{
    public static Command Build(Option<FileInfo> configOption, TextWriter output, TextWriter error)
    {
        var target = new Argument<string>("point") { Description = "device/point, such as boiler-ctrl/supply_setpoint; or the device, with --command." };
        var value = new Argument<string?>("value") { Description = "The value in the point's unit (0 or 1 for a coil).", Arity = ArgumentArity.ZeroOrOne };
        var named = new Option<string?>("--command") { Description = "A named command of the device's profile instead of a value: start, stop, reset_fault." };
        var person = new Option<string>("--as") { Description = "Who writes: your broker user name (your on-call contact id).", Required = true };
        var passwordFile = new Option<FileInfo?>("--password-file") { Description = "A file holding your broker password (else FACILITY_GATEWAY_MQTT_PASSWORD)." };
        var why = new Option<string?>("--why") { Description = "Why: kept in the audit trail." };
        var command = new Command("write", "Set a writable point through the running gateway, as yourself.") { target, value, named, configOption, person, passwordFile, why };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var config = ConfigurationReport.Load(parse.GetValue(configOption)!.FullName, error);
            if (config is null)
                return ExitCodes.ConfigurationError;
            string point = parse.GetValue(target)!;
            int slash = point.IndexOf('/', StringComparison.Ordinal);
            string? command = parse.GetValue(named);
            double number = 0;
            if (command is null && (slash <= 0 || !double.TryParse(parse.GetValue(value), NumberStyles.Float, CultureInfo.InvariantCulture, out number)))
            {
                error.WriteLine("write needs device/point and a number, for example: write boiler-ctrl/supply_setpoint 45.5 --as sam; or a device and --command reset_fault");
                return ExitCodes.ConfigurationError;
            }
            string? password = parse.GetValue(passwordFile) is { } file ? (await File.ReadAllTextAsync(file.FullName, cancellationToken).ConfigureAwait(false)).TrimEnd('\n', '\r')
                : Environment.GetEnvironmentVariable("FACILITY_GATEWAY_MQTT_PASSWORD");
            if (password is null)
            {
                error.WriteLine("your broker password: set FACILITY_GATEWAY_MQTT_PASSWORD or give --password-file");
                return ExitCodes.ConfigurationError;
            }
            string who = parse.GetValue(person)!;
            var body = command is not null
                ? new Dictionary<string, object?> { ["device"] = slash > 0 ? point[..slash] : point, ["command"] = command }
                : new Dictionary<string, object?> { ["device"] = point[..slash], ["point"] = point[(slash + 1)..], ["value"] = number };
            body["why"] = parse.GetValue(why);
            body["request_id"] = $"cli-{Environment.ProcessId}";
            return await TicketCommands.SendAsync(config, $"write/{who}", body, command is null ? $"the write of {point}" : $"{command} on {point}",
                new TicketCommands.BrokerLogin(who, password), output, error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
