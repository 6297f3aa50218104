using System.CommandLine;
using System.Reflection;
using FacilityGateway.Hosting;
using FacilityGateway.Sources.Modbus;
using Serilog;

namespace FacilityGateway.Cli;

/// <summary>The command line: run, validate, and the installer's Modbus tools.</summary>
public static class GatewayCommands
{
    /// <summary>Parses and runs a command line; returns the exit code.</summary>
    public static async Task<int> InvokeAsync(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        var root = Build(output, error);
        var result = root.Parse(args);
        if (result.Errors.Count > 0 && result.Action is null)
        {
            foreach (var e in result.Errors)
                await error.WriteLineAsync(e.Message).ConfigureAwait(false);
            return ExitCodes.ConfigurationError;
        }
        int code = await result.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null }).ConfigureAwait(false);
        return code == 1 && result.Errors.Count > 0 ? ExitCodes.ConfigurationError : code;
    }

    private static RootCommand Build(TextWriter output, TextWriter error)
    {
        var root = new RootCommand("FacilityGateway: polls Modbus and GPIO sensors of a plant room, publishes telemetry and raises fault tickets.");
        root.Add(RunCommand(error));
        root.Add(ValidateCommand(output, error));
        root.Add(ReloadCommand(output, error));
        root.Add(HealthCommand(output, error));
        root.Add(DashboardCommand(output, error));
        root.Add(ModbusToolCommands.Build(output, error));
        root.Add(SchemaCommand(output));
        root.Add(TicketCommands.Build(ConfigOption(), output, error));
        root.Add(TicketCommands.BuildMaintenance(ConfigOption(), output, error));
        root.Add(WriteCommands.Build(ConfigOption(), output, error));
        root.Add(OutboxCommands.Build(ConfigOption(), output, error));
        return root;
    }

    internal static Option<FileInfo> ConfigOption() => new("--config", "-c")
    {
        Description = "The gateway's YAML configuration file.",
        Required = true,
    };

    private static Command RunCommand(TextWriter error)
    {
        var config = ConfigOption();
        var command = new Command("run", "Run the gateway with a configuration (SIGTERM or Ctrl+C stops it).") { config };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var loaded = ConfigurationReport.Load(parse.GetValue(config)!.FullName, error);
            if (loaded is null)
                return ExitCodes.ConfigurationError;
            using var logger = GatewayLogging.Create(loaded.Logging, loaded.Gateway.Id);
            Log.Logger = logger;
            var log = logger.ForContext("SourceContext", "FacilityGateway");
            log.Information("FacilityGateway {Version} starting: gateway {Gateway} at site {Site}, {Devices} device(s) from {Files} file(s)",
                Version, loaded.Gateway.Id, loaded.Gateway.Site, loaded.Devices.Count, loaded.Files.Count);
            if (DataDirectoryProblem(loaded.Gateway.DataDirectory) is { } problem)
            {
                // Nothing can be kept without it, so nothing is read: one clear line, and systemd tries again later
                // (the disk may not be mounted yet).
                log.Fatal("Cannot keep state in data_directory {Directory}: {Problem}. Create it and let the gateway's user write to it (the systemd unit uses StateDirectory=facility-gateway)",
                    Path.GetFullPath(loaded.Gateway.DataDirectory), problem);
                return ExitCodes.Failure;
            }
            using var instance = GatewayInstance.Lock(loaded.Gateway.DataDirectory);
            if (instance is null)
            {
                // Two gateways on one outbox would send everything twice and fight over the sinks' cursors.
                log.Fatal("Another gateway is already running with data_directory {Directory}. Stop it first (systemctl stop facility-gateway), or give this one its own data_directory",
                    Path.GetFullPath(loaded.Gateway.DataDirectory));
                return ExitCodes.Failure;
            }
            try
            {
                return await new ReloadingRunner(parse.GetValue(config)!.FullName, loaded, logger).RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.Fatal(ex, "The gateway stopped on an unexpected error");
                return ExitCodes.Failure;
            }
        });
        return command;
    }

    /// <summary>Why the gateway cannot create and write files in its data directory, or null when it can.</summary>
    internal static string? DataDirectoryProblem(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            string probe = Path.Combine(directory, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ex.Message.TrimEnd('.');
        }
    }

    private static Command ValidateCommand(TextWriter output, TextWriter error)
    {
        var config = ConfigOption();
        var command = new Command("validate", "Check a configuration without touching any device, and show the reads it will make and the alarms it will watch.") { config };
        command.SetAction(parse =>
        {
            var loaded = ConfigurationReport.Load(parse.GetValue(config)!.FullName, error);
            if (loaded is null)
                return ExitCodes.ConfigurationError;
            int points = loaded.Devices.OfType<ModbusDeviceOptions>().Sum(d => d.ResolvedPoints.Count);
            output.WriteLine($"configuration OK: gateway {loaded.Gateway.Id} at {loaded.Gateway.Site}; {loaded.Assets.Count} asset(s), {loaded.Lines.Count} line(s), {loaded.Devices.Count} device(s), {points} point(s) from {loaded.Files.Count} file(s)");
            output.Write(ModbusLines.Describe(Sources.SourcePlan.Of(loaded)));
            output.Write(Alarms.AlarmPlan.Describe(loaded));
            output.Write(Sources.Clock.ClockSources.Describe(loaded.Gateway.ClockCheck, new Sources.Clock.KernelClock()));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command ReloadCommand(TextWriter output, TextWriter error)
    {
        var config = ConfigOption();
        var command = new Command("reload", "Check the configuration, then have the running gateway load it (SIGHUP; what systemctl reload does).") { config };
        command.SetAction(parse =>
        {
            var loaded = ConfigurationReport.Load(parse.GetValue(config)!.FullName, error);
            if (loaded is null)
                return ExitCodes.ConfigurationError; // the running gateway would refuse it too: say so here, where the installer is
            if (GatewayInstance.RequestReload(loaded.Gateway.DataDirectory) is { } problem)
            {
                error.WriteLine(problem);
                return ExitCodes.Failure;
            }
            output.WriteLine($"reload requested: the gateway's log says when it runs on {parse.GetValue(config)!.FullName}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command HealthCommand(TextWriter output, TextWriter error)
    {
        var config = ConfigOption();
        var command = new Command("health", "Exit 0 while the running gateway is healthy: its /healthz when monitoring: is on, else that it holds its data directory (a container's health check).") { config };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var loaded = ConfigurationReport.Load(parse.GetValue(config)!.FullName, error);
            if (loaded is null)
                return ExitCodes.ConfigurationError;
            var (pid, problem) = GatewayInstance.Running(loaded.Gateway.DataDirectory);
            if (pid is null)
            {
                error.WriteLine($"unhealthy: {problem}");
                return ExitCodes.Failure;
            }
            var monitoring = Monitoring.MonitoringConfiguration.Monitoring(loaded);
            if (!monitoring.Enabled)
            {
                output.WriteLine($"running (process {pid}); turn monitoring: on for a check that the pipeline moves");
                return ExitCodes.Ok;
            }
            string listen = monitoring.Listen.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
            try
            {
                using var response = await http.GetAsync(new Uri($"http://{listen}/healthz"), cancellationToken).ConfigureAwait(false);
                string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                (response.IsSuccessStatusCode ? output : error).Write(body);
                return response.IsSuccessStatusCode ? ExitCodes.Ok : ExitCodes.Failure;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                error.WriteLine($"unhealthy: http://{listen}/healthz: {ex.Message}");
                return ExitCodes.Failure;
            }
        });
        return command;
    }

    private static Command DashboardCommand(TextWriter output, TextWriter error)
    {
        var dashboard = new Command("dashboard", "The dashboard's sign-in.");
        var person = new Argument<string>("person") { Description = "The on-call contact's id, such as sam." };
        var password = new Command("password", "Read a password on standard input and print the line for dashboard.passwords_file (person:hash).") { person };
        password.SetAction(parse =>
        {
            string? typed = Console.In.ReadLine();
            if (string.IsNullOrEmpty(typed) || typed.Length < 10)
            {
                error.WriteLine("a password of at least 10 characters, on standard input");
                return ExitCodes.ConfigurationError;
            }
            output.WriteLine(Dashboard.DashboardPeople.HashLine(parse.GetValue(person)!, typed));
            return ExitCodes.Ok;
        });
        dashboard.Add(password);
        return dashboard;
    }

    private static Command SchemaCommand(TextWriter output)
    {
        var profile = new Option<bool>("--profile") { Description = "The schema of device profile files instead." };
        var command = new Command("schema", "Print the JSON Schema of configuration files (config/schema/ holds a copy).") { profile };
        command.SetAction(parse =>
        {
            output.Write(Configuration.Schema.ConfigurationSchema.ToText(parse.GetValue(profile)
                ? Hosting.GatewayParts.ProfileSchema()
                : Hosting.GatewayParts.Schema()));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The informational version of the gateway.</summary>
    public static string Version =>
        typeof(GatewayCommands).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
}
