using System.CommandLine;
using FacilityGateway.Configuration.Yaml;
using FacilitySimulator.Demo;
using FacilitySimulator.Plant;

// facility-simulator demo [--duration 60s] [--headless]   the whole product in one process (README)
// facility-simulator run [--scenario FILE]                 the plant room alone, for a gateway or tests to poll
var root = new RootCommand("FacilityGateway simulator: a plant room of Modbus devices, and the one-command demo.");

var duration = new Option<string?>("--duration") { Description = "Stop after this long (for example 60s); default: until Ctrl+C." };
var headless = new Option<bool>("--headless") { Description = "Plain lines instead of the live table (also chosen when output is redirected)." };
var demo = new Command("demo", "Run the simulated plant, an embedded MQTT broker and the gateway, with a live table.") { duration, headless };
demo.SetAction(async (parse, cancellationToken) =>
{
    TimeSpan? limit = null;
    if (parse.GetValue(duration) is { } text)
    {
        if (!Durations.TryParse(text, out var parsed, out string why))
        {
            Console.Error.WriteLine($"--duration: {why}");
            return 2;
        }
        limit = parsed;
    }
    return await DemoRunner.RunAsync(limit, parse.GetValue(headless) || Console.IsOutputRedirected, Console.Out, cancellationToken);
});
root.Add(demo);

var scenario = new Option<FileInfo?>("--scenario") { Description = "A scenario YAML: ports and a fault schedule (simulators/FacilitySimulator/scenarios/)." };
var serial = new Option<string?>("--serial") { Description = "Also serve the RTU units on this serial device (a socat pseudo-terminal), 38400 8N1." };
var run = new Command("run", "Run the simulated plant room alone until Ctrl+C.") { scenario, serial };
run.SetAction(async (parse, cancellationToken) =>
{
    var plan = new Scenario();
    if (parse.GetValue(scenario) is { } file)
    {
        var errors = new ConfigErrors();
        var stream = new YamlDotNet.RepresentationModel.YamlStream();
        stream.Load(new StringReader(await File.ReadAllTextAsync(file.FullName, cancellationToken)));
        new YamlBinder(errors, file.Name, Environment.GetEnvironmentVariable).Populate(plan, (YamlDotNet.RepresentationModel.YamlMappingNode)stream.Documents[0].RootNode, "");
        foreach (var error in errors.Items)
            Console.Error.WriteLine(error);
        if (errors.HasErrors)
            return 2;
    }
    await using var plant = PlantRoom.Start(Path.Combine(AppContext.BaseDirectory, "profiles"), TimeProvider.System, plan.Ports, serialDevice: parse.GetValue(serial));
    Console.WriteLine($"plant room: {string.Join(", ", plant.Ports.Select(p => $"{p.Key} on 127.0.0.1:{p.Value}"))}");
    var started = TimeProvider.System.GetTimestamp();
    using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
    int next = 0;
    var faults = plan.Faults.OrderBy(f => f.At).ToList();
    try
    {
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            while (next < faults.Count && faults[next].At <= TimeProvider.System.GetElapsedTime(started))
            {
                var f = faults[next++];
                Console.WriteLine($"{f.At.TotalSeconds:0} s: {f.Fault} on {f.Device}: {(plant.Fault(f.Device, f.Fault, f.Target) ? "applied" : "unknown device or fault")}");
            }
        }
    }
    catch (OperationCanceledException)
    {
    }
    return 0;
});
root.Add(run);

return await root.Parse(args).InvokeAsync();
