using System.CommandLine;
using System.Globalization;

namespace FacilityGateway.Cli;

/// <summary>
/// <c>write DEVICE/POINT VALUE --as PERSON</c>: a technician sets a writable point through the running gateway, which
/// checks role, bounds, step, interlocks and rate and audits it (docs/CONTROL.md). The command connects to the
/// gateway's broker as that person (their password from <c>FACILITY_GATEWAY_MQTT_PASSWORD</c> or
/// <c>--password-file</c>), so the broker, not a typed name, says who writes. Bench writes straight to a device are
/// <c>modbus write</c>.
/// </summary>
internal static class WriteCommands
{
    public static Command Build(Option<FileInfo> configOption, TextWriter output, TextWriter error)
    {
        var target = new Argument<string>("point") { Description = "device/point, such as boiler-ctrl/supply_setpoint." };
        var value = new Argument<string>("value") { Description = "The value in the point's unit (0 or 1 for a coil)." };
        var person = new Option<string>("--as") { Description = "Who writes: your broker user name (your on-call contact id).", Required = true };
        var passwordFile = new Option<FileInfo?>("--password-file") { Description = "A file holding your broker password (else FACILITY_GATEWAY_MQTT_PASSWORD)." };
        var why = new Option<string?>("--why") { Description = "Why: kept in the audit trail." };
        var command = new Command("write", "Set a writable point through the running gateway, as yourself.") { target, value, configOption, person, passwordFile, why };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var config = ConfigurationReport.Load(parse.GetValue(configOption)!.FullName, error);
            if (config is null)
                return ExitCodes.ConfigurationError;
            string point = parse.GetValue(target)!;
            int slash = point.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 || !double.TryParse(parse.GetValue(value), NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
            {
                error.WriteLine($"write needs device/point and a number, for example: write boiler-ctrl/supply_setpoint 45.5 --as sam");
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
            return await TicketCommands.SendAsync(config, $"write/{who}", new Dictionary<string, object?>
            {
                ["device"] = point[..slash], ["point"] = point[(slash + 1)..], ["value"] = number, ["why"] = parse.GetValue(why),
                ["request_id"] = $"cli-{Environment.ProcessId}",
            }, $"the write of {point}", new TicketCommands.Person(who, password), output, error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
