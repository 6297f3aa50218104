using System.Diagnostics;
using System.Globalization;
using System.Text;
using FacilityGateway.Modbus.Codec;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;

namespace FacilityGateway.Benchmarks.Gateway;

/// <summary>
/// The gateway process polling many Modbus TCP devices at 1 s on loopback: its CPU (% of one core) and its resident
/// memory. The devices are our Modbus server, one listener per device, in this benchmark process; the gateway is the
/// real executable in its own process, so its figures are its own (read from /proc).
/// </summary>
public static class PollingLoad
{
    public static async Task<int> RunAsync(int devices, int points, double seconds, string[] environment)
    {
        var servers = new List<ModbusTcpServer>();
        var yaml = new StringBuilder("""
            gateway: { id: load-test, site: bench }
            logging: { level: warning }
            assets: [{ id: plant, name: Plant, type: other }]
            devices:

            """);
        var registers = new ushort[points * 2];
        for (int p = 0; p < points; p++)
            ModbusValueCodec.EncodeDouble(p * 1.5, new RegisterFormat(ModbusDataType.Float32), registers.AsSpan(p * 2));
        for (int d = 0; d < devices; d++)
        {
            var store = new ModbusDataStore(1);
            store[1].SetRegisters(ModbusTable.HoldingRegisters, 0, registers);
            var server = new ModbusTcpServer(store);
            server.Start();
            servers.Add(server);
            yaml.Append(CultureInfo.InvariantCulture, $"  - id: dev{d}\n    asset: plant\n    endpoint: tcp://127.0.0.1:{server.LocalEndPoint.Port}\n    unit: 1\n    interval: 1s\n    points:\n");
            for (int p = 0; p < points; p++)
                yaml.Append(CultureInfo.InvariantCulture, $"      - {{ id: p{p}, holding: {p * 2}, type: float32, unit: kW }}\n");
        }
        string directory = Directory.CreateTempSubdirectory("fg-load-").FullName;
        string config = Path.Combine(directory, "load.yaml");
        await File.WriteAllTextAsync(config, yaml.ToString());

        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "facility-gateway.dll"), "run", "--config", config })
            info.ArgumentList.Add(a);
        foreach (var pair in environment)
        {
            var kv = pair.Split('=', 2);
            info.Environment[kv[0]] = kv[1];
        }
        using var gateway = Process.Start(info)!;
        _ = gateway.StandardOutput.ReadToEndAsync();
        _ = gateway.StandardError.ReadToEndAsync();

        Console.WriteLine($"gateway pid {gateway.Id}: {devices} devices x {points} points at 1 s = {devices * points:N0} points/s; env: {string.Join(' ', environment)}");
        await Task.Delay(TimeSpan.FromSeconds(15)); // start-up, JIT tiering, connections
        long requests0 = servers.Sum(s => s.Requests);
        double cpu0 = CpuSeconds(gateway.Id);
        var watch = Stopwatch.StartNew();
        long peakRss = 0;
        while (watch.Elapsed.TotalSeconds < seconds)
        {
            await Task.Delay(1000);
            peakRss = Math.Max(peakRss, Status(gateway.Id, "VmRSS:"));
        }
        double cpu = CpuSeconds(gateway.Id) - cpu0;
        double elapsed = watch.Elapsed.TotalSeconds;
        long requests = servers.Sum(s => s.Requests) - requests0;
        long hwm = Status(gateway.Id, "VmHWM:");
        gateway.Kill();
        await gateway.WaitForExitAsync();
        foreach (var server in servers)
            await server.DisposeAsync();
        Directory.Delete(directory, recursive: true);

        Console.WriteLine(FormattableString.Invariant($"| devices x points | points/s | polls/s | gateway CPU (% of one core) | RSS during run (max sampled) | peak RSS (VmHWM) |"));
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        Console.WriteLine(FormattableString.Invariant($"| {devices} x {points} | {requests * points / elapsed:N0} | {requests / elapsed:N1} | {cpu / elapsed * 100:F2} % | {peakRss / 1024.0:F1} MiB | {hwm / 1024.0:F1} MiB |"));
        return 0;
    }

    private static double CpuSeconds(int pid)
    {
        // /proc/PID/stat fields 14 and 15: utime and stime of all threads, in clock ticks (100 per second).
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static long Status(int pid, string key)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith(key, StringComparison.Ordinal))
                return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return 0;
    }
}
