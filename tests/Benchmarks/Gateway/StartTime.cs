using System.Diagnostics;
using System.Globalization;
using FacilityGateway.Modbus.Server;

namespace FacilityGateway.Benchmarks.Gateway;

/// <summary>
/// Start to first poll: the real executable started <c>runs</c> times on a one-device configuration, timed from
/// <see cref="Process.Start()"/> to the first request at an in-process Modbus TCP server, in three ways side by side:
/// as the systemd unit and the image start it (the runtime settings in the environment), as a technician's shell does
/// (none: the gateway re-executes itself once to apply them), and with that re-execution turned off.
/// </summary>
public static class StartTime
{
    public static async Task<int> RunAsync(int runs)
    {
        string executable = Environment.GetEnvironmentVariable("FG_GATEWAY_EXE") ?? Path.Combine(AppContext.BaseDirectory, "facility-gateway");
        var ways = new (string Name, Dictionary<string, string> Environment)[]
        {
            ("settings in the environment (systemd unit, image)", new() { ["DOTNET_EnableWriteXorExecute"] = "0", ["DOTNET_GCgen0size"] = "200000", ["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1" }),
            ("from a shell (re-executes once)", new()),
            ("FACILITY_GATEWAY_RUNTIME_SETTINGS=off", new() { ["FACILITY_GATEWAY_RUNTIME_SETTINGS"] = "off" }),
        };
        Console.WriteLine($"{executable}: {runs} start(s) each, start to first Modbus request");
        Console.WriteLine("| started | median | min | max |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, environment) in ways)
        {
            var times = new List<double>();
            for (int i = 0; i < runs; i++)
                times.Add(await OnceAsync(executable, environment));
            times.Sort();
            Console.WriteLine($"| {name} | {Ms(times[times.Count / 2])} | {Ms(times[0])} | {Ms(times[^1])} |");
        }
        return 0;
    }

    private static string Ms(double ms) => ms.ToString("N0", CultureInfo.InvariantCulture) + " ms";

    private static async Task<double> OnceAsync(string executable, Dictionary<string, string> environment)
    {
        var firstRequest = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new ModbusDataStore(1);
        await using var server = new ModbusTcpServer(store, new ModbusServerOptions
        {
            Faults = _ => { firstRequest.TrySetResult(Stopwatch.GetTimestamp()); return ModbusFault.None; },
        });
        server.Start();
        string directory = Directory.CreateTempSubdirectory("fg-start-").FullName;
        string config = Path.Combine(directory, "gateway.yaml");
        await File.WriteAllTextAsync(config, $$"""
            gateway: { id: gw, site: site }
            logging: { level: warning }
            assets: [{ id: a, name: A, type: meter }]
            devices: [{ id: d, asset: a, endpoint: "tcp://127.0.0.1:{{server.LocalEndPoint.Port}}", unit: 1, interval: 1s, points: [{ id: p, holding: 0 }] }]
            """);
        var info = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, ArgumentList = { "run", "--config", config } };
        foreach (var (key, value) in environment)
            info.Environment[key] = value;
        long started = Stopwatch.GetTimestamp();
        using var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        long first = await firstRequest.Task.WaitAsync(TimeSpan.FromSeconds(30));
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        Directory.Delete(directory, recursive: true);
        return Stopwatch.GetElapsedTime(started, first).TotalMilliseconds;
    }
}
