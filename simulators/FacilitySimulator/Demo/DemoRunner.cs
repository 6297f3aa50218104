using FacilityGateway.Sources.Simulated;
using System.Globalization;
using FacilityGateway.Alarms;
using FacilityGateway.Configuration;
using FacilityGateway.Configuration.Yaml;
using FacilityGateway.Dashboard;
using FacilityGateway.Hosting;
using FacilityGateway.Outbox;
using FacilityGateway.Readings;
using FacilitySimulator.Plant;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console;
using FacilityGateway.Tickets;

namespace FacilitySimulator.Demo;

/// <summary>
/// The one-command demo: the simulated plant room, an embedded MQTT broker and the gateway on config/demo.yaml, in one
/// process, with a live table of readings; a scripted leak and a pump trip happen within the first minute.
/// </summary>
public static class DemoRunner
{
    /// <summary>The demo's fault script.</summary>
    public static readonly ScriptedFault[] Script =
    [
        new() { At = TimeSpan.FromSeconds(10), Device = "leak-inputs", Fault = "leak", Target = "di0" },
        new() { At = TimeSpan.FromSeconds(15), Device = "gpio-wiring", Fault = "leak" },
        new() { At = TimeSpan.FromSeconds(25), Device = "booster-set", Fault = "trip", Target = "1" },
        new() { At = TimeSpan.FromSeconds(35), Device = "booster-set", Fault = "dry_run" },
    ];

    public static async Task<int> RunAsync(TimeSpan? duration, bool headless, TextWriter output, CancellationToken cancellationToken)
    {
        string baseDirectory = AppContext.BaseDirectory;
        string dataDirectory = Directory.CreateTempSubdirectory("facility-demo-").FullName;
        // The gateway's simulated GPIO chip is wired to the plant: the host is built first, so the plant can drive its pins.
        var gpio = new FacilityGateway.Sources.Simulated.SimulatedGpio();
        await using var plant = PlantRoom.Start(Path.Combine(baseDirectory, "profiles"), TimeProvider.System, gpio: gpio.Chip(0));
        await using var broker = await EmbeddedBroker.StartAsync();

        foreach (var (name, port) in plant.Ports)
            Environment.SetEnvironmentVariable($"DEMO_{name.ToUpperInvariant()}_PORT", port.ToString(CultureInfo.InvariantCulture));
        Environment.SetEnvironmentVariable("DEMO_MQTT_PORT", broker.Port.ToString(CultureInfo.InvariantCulture));
        Environment.SetEnvironmentVariable("DEMO_DATA_DIR", dataDirectory);
        Environment.SetEnvironmentVariable("DEMO_DASHBOARD_PORT", PortOrAnyFree(8080).ToString(CultureInfo.InvariantCulture));
        Environment.SetEnvironmentVariable("DEMO_LOG_CONSOLE", headless ? "text" : "none");

        GatewayConfig config;
        try
        {
            (config, _) = FacilityGateway.Hosting.GatewayParts.Load(Path.Combine(baseDirectory, "demo", "demo.yaml"));
        }
        catch (ConfigurationException ex)
        {
            foreach (var error in ex.Errors)
                output.WriteLine(error);
            return 2;
        }

        output.WriteLine($"FacilityGateway demo: simulated plant room on 127.0.0.1 ports {string.Join(", ", plant.Ports.Select(p => $"{p.Key} {p.Value}"))}; MQTT broker on 127.0.0.1:{broker.Port}.");
        output.WriteLine($"Watch the telemetry with any MQTT client:  mosquitto_sub -h 127.0.0.1 -p {broker.Port} -t 'facility/#' -v");
        output.WriteLine("Use a real broker and InfluxDB: copy config/demo.yaml, change its sinks (docs/MQTT.md, docs/INFLUXDB.md), and run");
        output.WriteLine("  dotnet run --project gateway/FacilityGateway -- run --config your-copy.yaml");
        output.WriteLine($"Scripted: {string.Join("; ", Script.Select(s => $"{s.Fault} on {s.Device} at {s.At.TotalSeconds:0} s"))}. Ctrl+C stops everything.");
        output.WriteLine($"Acknowledge a ticket: press A in the table (the newest open one), or  mosquitto_pub -h 127.0.0.1 -p {broker.Port} -t 'facility/demo-court/demo-plantroom/commands/ack' -m '{{\"ticket\":\"T-...\",\"by\":\"you\"}}'");

        using var logger = GatewayLogging.Create(config.Logging, config.Gateway.Id);
        using var host = GatewayHost.Build(config, logger, services => services.AddSingleton(gpio));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (duration is { } limit)
            stop.CancelAfter(limit);
        await host.StartAsync(stop.Token).ConfigureAwait(false);
        if (host.Services.GetRequiredService<FacilityGateway.Dashboard.DashboardService>().Address is { } dashboard)
            output.WriteLine($"Dashboard: {dashboard} (live readings and tickets; to acknowledge there, type your name and the action token '{config.Dashboard().ActionToken}')");
        var snapshot = host.Services.GetRequiredService<ReadingSnapshot>();
        var alarms = host.Services.GetRequiredService<FacilityGateway.Alarms.AlarmEngine>();
        var started = TimeProvider.System.GetTimestamp();
        int nextFault = 0;
        try
        {
            if (headless)
                await HeadlessAsync(output, plant, broker, snapshot, alarms, started, () => nextFault, i => nextFault = i, stop.Token).ConfigureAwait(false);
            else
                await LiveTableAsync(plant, broker, snapshot, alarms, config, started, () => nextFault, i => nextFault = i, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
            await host.StopAsync(timeout.Token).ConfigureAwait(false);
        var delivered = host.Services.GetRequiredService<FacilityGateway.Delivery.DeliveryService>().Runners.Sum(r => r.Delivered);
        output.WriteLine($"Demo stopped cleanly: {snapshot.BatchCount} polls, {delivered} records delivered, {broker.Published} MQTT messages on the broker.");
        Directory.Delete(dataDirectory, recursive: true);
        return 0;
    }

    private static void ApplyScript(PlantRoom plant, long started, Func<int> next, Action<int> setNext, Action<string> announce)
    {
        var elapsed = TimeProvider.System.GetElapsedTime(started);
        while (next() < Script.Length && Script[next()].At <= elapsed)
        {
            var fault = Script[next()];
            plant.Fault(fault.Device, fault.Fault, fault.Target);
            announce($"{elapsed.TotalSeconds:0} s: {fault.Fault} on {fault.Device}{(fault.Target is null ? "" : $" ({fault.Target})")}");
            setNext(next() + 1);
        }
    }

    private static async Task HeadlessAsync(TextWriter output, PlantRoom plant, EmbeddedBroker broker, ReadingSnapshot snapshot, FacilityGateway.Alarms.AlarmEngine alarms, long started, Func<int> next, Action<int> setNext, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        int tick = 0;
        var seen = new HashSet<string>();
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            ApplyScript(plant, started, next, setNext, line => output.WriteLine($"scripted fault: {line}"));
            foreach (var ticket in alarms.OpenTickets.Where(t => seen.Add(t.Id)))
                output.WriteLine($"ticket {ticket.Id}: {ticket.Priority} {ticket.Asset.Name}: {ticket.Message} (respond by {ticket.RespondBy:HH:mm})");
            if (++tick % 5 == 0)
                output.WriteLine($"{tick} s: {snapshot.BatchCount} polls, {broker.Published} MQTT messages; {string.Join("; ", plant.Devices.Values.Select(d => $"{d.Id}: {d.Describe()}"))}");
        }
    }

    /// <summary>The preferred port if nothing listens on it, else any free one.</summary>
    private static int PortOrAnyFree(int preferred)
    {
        foreach (int port in new[] { preferred, 0 })
        {
            try
            {
                var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
                listener.Start();
                int bound = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                return bound;
            }
            catch (System.Net.Sockets.SocketException) when (port != 0)
            {
            }
        }
        throw new InvalidOperationException("no free port");
    }

    private static async Task LiveTableAsync(PlantRoom plant, EmbeddedBroker broker, ReadingSnapshot snapshot, FacilityGateway.Alarms.AlarmEngine alarms, GatewayConfig config, long started, Func<int> next, Action<int> setNext, CancellationToken cancellationToken)
    {
        var events = new List<string>();
        await AnsiConsole.Live(new Text("starting...")).StartAsync(async context =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
            do
            {
                ApplyScript(plant, started, next, setNext, events.Add);
                while (!Console.IsInputRedirected && Console.KeyAvailable)
                {
                    var key = Console.ReadKey(intercept: true);
                    if (key.Key == ConsoleKey.A && alarms.OpenTickets.FirstOrDefault(t => t.State == FacilityGateway.Tickets.TicketState.Open) is { } open)
                    {
                        await alarms.ExecuteAsync(new FacilityGateway.Tickets.TicketCommand(TicketAction.Ack, open.Id, Environment.UserName, "acknowledged in the demo"), cancellationToken).ConfigureAwait(false);
                        events.Add($"you acknowledged {open.Id}");
                    }
                }
                context.UpdateTarget(new Rows(Render(snapshot, config, broker, alarms, events), RenderTickets(alarms)));
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }).ConfigureAwait(false);
    }

    private static Table RenderTickets(FacilityGateway.Alarms.AlarmEngine alarms)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Open tickets[/] (press A to acknowledge the newest open one)")
            .AddColumn("Ticket").AddColumn("Priority").AddColumn("Asset").AddColumn("Message").AddColumn("State").AddColumn("Respond by");
        foreach (var t in alarms.OpenTickets)
        {
            string priority = t.Priority == FacilityGateway.Tickets.AlarmPriority.P1 ? "[bold red]P1[/]" : t.Priority.ToString();
            table.AddRow(Markup.Escape(t.Id), priority, Markup.Escape(t.Asset.Name), Markup.Escape(t.Message + (t.Occurrences > 1 ? $" (x{t.Occurrences})" : "")),
                t.State == FacilityGateway.Tickets.TicketState.Open ? "[yellow]open[/]" : t.State.ToString().ToLowerInvariant(), t.RespondBy.ToString("HH:mm", CultureInfo.InvariantCulture));
        }
        if (alarms.OpenTickets.Count == 0)
            table.AddRow("[grey]none yet[/]", "", "", "", "", "");
        return table;
    }

    private static readonly string[] KeyPoints = ["power_total", "import_energy", "voltage_l1", "running", "tripped", "output_frequency", "motor_current", "flow_rate", "total_forward", "di0", "di1", "state", "total", "rate", "health.online", "health.response_time"];

    private static Table Render(ReadingSnapshot snapshot, GatewayConfig config, EmbeddedBroker broker, FacilityGateway.Alarms.AlarmEngine alarms, List<string> events)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]FacilityGateway demo[/] - {config.Gateway.Site} / {config.Gateway.Id} - {broker.Published} MQTT messages")
            .AddColumn("Asset").AddColumn("Device").AddColumn("Readings").AddColumn("Health");
        var assets = config.Assets.ToDictionary(a => a.Id);
        foreach (var device in config.Devices)
        {
            var values = KeyPoints.Where(p => !p.StartsWith("health.", StringComparison.Ordinal))
                .Select(p => (Point: p, Reading: snapshot.Get(device.Id, p)))
                .Where(x => x.Reading is not null)
                .Select(x => Format(x.Point, x.Reading!.Value));
            // The pump's run hours and starts, counted by the gateway from the drive's run signal.
            if (config.AlarmRules().RunningPointOf(device.Asset)?.Device == device.Id && alarms.Usage(device.Asset) is { } usage)
                values = values.Append(FormattableString.Invariant($"[blue]run {usage.RunHours:0.000} h, {usage.Starts} starts[/]"));
            var online = snapshot.Get(device.Id, "health.online");
            var response = snapshot.Get(device.Id, "health.response_time");
            string health = online is null ? "[grey]waiting[/]" : online.Value.Value == 1 ? $"[green]online[/] {response?.Value:F0} ms" : "[red]offline[/]";
            table.AddRow(Markup.Escape(assets[device.Asset].Name), Markup.Escape(device.Id), string.Join("  ", values), health);
        }
        if (events.Count > 0)
            table.Caption("[yellow]" + Markup.Escape(string.Join("   ", events)) + "[/]");
        return table;
    }

    private static string Format(string point, Reading reading)
    {
        if (reading.Quality.IsBad())
            return $"{point}=[red]{reading.Quality.Name()}[/]";
        bool alarm = point is "tripped" or "di0" or "di1" && reading.Value == 1;
        string text = $"{point}={reading.Value.ToString("0.##", CultureInfo.InvariantCulture)}{(reading.Unit.Length > 0 ? " " + Markup.Escape(reading.Unit) : "")}";
        return alarm ? $"[bold red]{text}[/]" : text;
    }
}
