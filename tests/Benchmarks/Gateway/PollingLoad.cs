using System.Diagnostics;
using System.Globalization;
using System.Text;
using FacilityGateway.Modbus.Codec;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;

namespace FacilityGateway.Benchmarks.Gateway;

/// <summary>
/// The gateway process polling many Modbus TCP devices on loopback: its CPU (% of one core) and its resident memory.
/// The devices are our Modbus server, one listener per device, in this benchmark process; the gateway is the real
/// executable in its own process, so its figures are its own (read from /proc). With <c>sinks</c>, the end-to-end run:
/// every poll also goes to a real Mosquitto, InfluxDB 1.x (v1 /write) and VictoriaMetrics (v2 write), and each sink's
/// delivery rate and lag are read from the cursors in the gateway's outbox file.
/// </summary>
public static class PollingLoad
{
    /// <summary>Which real peers the gateway delivers to in a run.</summary>
    public enum SinkSet
    {
        /// <summary>None: the outbox only.</summary>
        None,
        /// <summary>Mosquitto and InfluxDB 1.x: NG Gateway's comparison.</summary>
        MqttAndInflux,
        /// <summary>Mosquitto, InfluxDB 1.x and VictoriaMetrics.</summary>
        All,
    }

    /// <summary>One run's figures, the gateway process only.</summary>
    public sealed record LoadResult(int Devices, int Points, double PointsPerSecond, double CpuPercent, double RssMiB, double PeakRssMiB,
        double WrittenPerPoint, double ToBlockDevicePerPoint, IReadOnlyDictionary<string, long> SinkLag)
    {
        /// <summary>RSS (MiB) sampled every <c>sampleEvery</c> of the run, with the minutes into the measured window.</summary>
        public IReadOnlyList<(double Minutes, double RssMiB)> Samples { get; init; } = [];

        /// <summary>Every sink ended with less than two polls of every device waiting.</summary>
        public bool SinksKeepUp => SinkLag.Values.All(lag => lag < 2L * Devices + 2);
    }

    public static async Task<int> RunAsync(int devices, int points, double seconds, string[] environment, TimeSpan? interval = null, bool sinks = false)
    {
        await MeasureAsync(devices, points, seconds, environment, interval, sinks ? SinkSet.All : SinkSet.None, print: true);
        return 0;
    }

    /// <summary>
    /// Runs the load on <paramref name="gatewayDll"/> (a .dll, or an executable such as the self-contained publish), or
    /// else on <c>FG_GATEWAY_EXE</c>, <c>FG_GATEWAY_DLL</c> or this build.
    /// </summary>
    public static async Task<LoadResult> MeasureAsync(int devices, int points, double seconds, string[] environment, TimeSpan? interval, SinkSet sinkSet, bool print, string? gatewayDll = null, TimeSpan? sampleEvery = null)
    {
        bool sinks = sinkSet != SinkSet.None;
        string[] sinkIds = sinkSet == SinkSet.All ? ["mqtt", "influx1", "vm"] : sinkSet == SinkSet.MqttAndInflux ? ["mqtt", "influx1"] : [];
        var every = interval ?? TimeSpan.FromSeconds(1);
        var servers = new List<ModbusTcpServer>();
        string directory = Directory.CreateTempSubdirectory("fg-load-").FullName;
        var peers = new List<Peer>();
        var yaml = new StringBuilder($$"""
            gateway: { id: load-test, site: bench, data_directory: {{directory}}/data }
            logging: { level: warning }
            assets: [{ id: plant, name: Plant, type: other }]

            """);
        if (sinks)
        {
            var mosquitto = await Peer.MosquittoAsync(directory);
            var influx = await Peer.InfluxAsync(directory);
            peers.AddRange([mosquitto, influx]);
            yaml.Append(CultureInfo.InvariantCulture, $$"""
                sinks:
                  - { id: mqtt, kind: mqtt, host: 127.0.0.1, port: {{mosquitto.Port}} }
                  - { id: influx1, kind: influxdb, url: "{{influx.Url}}", api: v1, database: facility }

                """);
            if (sinkSet == SinkSet.All)
            {
                var vm = await Peer.VictoriaMetricsAsync(directory);
                peers.Add(vm);
                yaml.Append(CultureInfo.InvariantCulture, $$"""
                      - { id: vm, kind: influxdb, url: "{{vm.Url}}", api: v2, org: o, bucket: b, token: t }

                    """);
            }
        }
        yaml.Append("devices:\n");
        AddDevices(yaml, devices, points, every, servers);
        // FG_BENCH_MEMORY=1: the gateway's own account of its memory (GC heap, committed, working set) from its /metrics.
        // Its port is taken after the devices' listeners are, so none of them is given it.
        int? metricsPort = Environment.GetEnvironmentVariable("FG_BENCH_MEMORY") == "1" ? Peer.FreePort() : null;
        if (metricsPort is { } mp)
            yaml.Append(CultureInfo.InvariantCulture, $"monitoring: {{ enabled: true, listen: \"127.0.0.1:{mp}\" }}\n");
        // FG_BENCH_OUTBOX="commit_every: 5s", say: the outbox's options for the run.
        if (Environment.GetEnvironmentVariable("FG_BENCH_OUTBOX") is { Length: > 0 } outboxOptions)
            yaml.Append(CultureInfo.InvariantCulture, $"outbox: {{ {outboxOptions} }}\n");
        string config = Path.Combine(directory, "load.yaml");
        await File.WriteAllTextAsync(config, yaml.ToString());

        // FG_GATEWAY_DLL runs another build of the gateway (a ReadyToRun publish, say) on the same load; FG_GATEWAY_EXE a
        // native one (Native AOT), started directly.
        // gatewayDll, when given, says which build (a .dll through dotnet, else an executable) and the variables are not asked.
        string? native = gatewayDll is null ? Environment.GetEnvironmentVariable("FG_GATEWAY_EXE") : gatewayDll.EndsWith(".dll", StringComparison.Ordinal) ? null : gatewayDll;
        var info = native is not null
            ? new ProcessStartInfo(native) { RedirectStandardOutput = true, RedirectStandardError = true }
            : new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, ArgumentList = { gatewayDll ?? Environment.GetEnvironmentVariable("FG_GATEWAY_DLL") ?? Path.Combine(AppContext.BaseDirectory, "facility-gateway.dll") } };
        // FG_GATEWAY_LAUNCHER="qemu-aarch64-static -L /": the linux-arm64 build under emulation (a correctness check, not
        // the device's figures). The gateway cannot re-execute itself there (no binfmt_misc), so its runtime settings are
        // given in the environment, as the systemd unit and the image give them.
        string[] launcher = (Environment.GetEnvironmentVariable("FG_GATEWAY_LAUNCHER") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (launcher.Length > 0)
        {
            var launched = new ProcessStartInfo(launcher[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in launcher[1..].Append(info.FileName).Concat(info.ArgumentList))
                launched.ArgumentList.Add(a);
            foreach (var (name, value) in FacilityGateway.Hosting.RuntimeSettings.Settings)
                launched.Environment[name] = value;
            info = launched;
        }
        foreach (var a in new[] { "run", "--config", config })
            info.ArgumentList.Add(a);
        foreach (var pair in environment)
        {
            var kv = pair.Split('=', 2);
            info.Environment[kv[0]] = kv[1];
        }
        using var gateway = Process.Start(info)!;
        var stdout = gateway.StandardOutput.ReadToEndAsync();
        var stderr = gateway.StandardError.ReadToEndAsync();

        if (print)
            Console.WriteLine(FormattableString.Invariant($"gateway pid {gateway.Id}: {devices} devices x {points} points every {every.TotalMilliseconds} ms = {devices * points / every.TotalSeconds:N0} points/s{(sinkSet == SinkSet.All ? " to Mosquitto, InfluxDB 1.x and VictoriaMetrics" : sinks ? " to Mosquitto and InfluxDB 1.x" : "")}; env: {string.Join(' ', environment)}"));
        await Task.Delay(TimeSpan.FromSeconds(15)); // start-up, JIT tiering, connections
        string outbox = Path.Combine(directory, "data", "outbox.db");
        if (gateway.HasExited || !File.Exists(outbox))
            throw new InvalidOperationException($"the gateway did not start on {devices} x {points} (exit {(gateway.HasExited ? gateway.ExitCode : "none yet")}):\n{(gateway.HasExited ? await stdout + await stderr : "still running, no outbox after 15 s")}");
        long requests0 = servers.Sum(s => s.Requests);
        var cursors0 = Cursors(outbox);
        double cpu0 = CpuSeconds(gateway.Id);
        var (wchar0, written0) = Io(gateway.Id);
        var watch = Stopwatch.StartNew();
        long peakRss = 0;
        var samples = new List<(double, double)>();
        var nextSample = TimeSpan.Zero;
        while (watch.Elapsed.TotalSeconds < seconds)
        {
            await Task.Delay(1000);
            long rss = Status(gateway.Id, "VmRSS:");
            peakRss = Math.Max(peakRss, rss);
            if (sampleEvery is { } period && watch.Elapsed >= nextSample)
            {
                samples.Add((watch.Elapsed.TotalMinutes, rss / 1024.0));
                nextSample += period;
                if (print)
                    Console.Error.WriteLine(FormattableString.Invariant($"  {watch.Elapsed.TotalMinutes:F1} min: RSS {rss / 1024.0:F1} MiB, gateway CPU so far {(CpuSeconds(gateway.Id) - cpu0) / watch.Elapsed.TotalSeconds * 100:F2} %"));
            }
        }
        double cpu = CpuSeconds(gateway.Id) - cpu0;
        var (wchar1, written1) = Io(gateway.Id);
        double elapsed = watch.Elapsed.TotalSeconds;
        long requests = servers.Sum(s => s.Requests) - requests0;
        long hwm = Status(gateway.Id, "VmHWM:");
        var cursors = Cursors(outbox);
        if (metricsPort is { } port)
        {
            await PrintOwnMemoryAsync(port);
            if (launcher.Length == 0)
                MemoryBreakdown.Print(gateway.Id); // under a launcher the process is the emulator's: only the gateway's own account counts
        }
        gateway.Kill();
        await gateway.WaitForExitAsync();
        foreach (var server in servers)
            await server.DisposeAsync();
        foreach (var peer in peers)
            await peer.DisposeAsync();

        if (sinks && print)
        {
            // Records are polls: the outbox's last id grows by one per poll (plus the gateway's health readings every 10 s).
            long appended = cursors["(appended)"] - cursors0["(appended)"];
            Console.WriteLine(FormattableString.Invariant($"polled and stored: {appended / elapsed:N0} records/s = {appended * points / elapsed:N0} points/s over {elapsed:F0} s"));
            Console.WriteLine("| sink | delivered records/s | delivered points/s | lag at the end (records) |");
            Console.WriteLine("|---|---:|---:|---:|");
            foreach (var sink in sinkIds)
            {
                long delivered = cursors.GetValueOrDefault(sink) - cursors0.GetValueOrDefault(sink);
                Console.WriteLine(FormattableString.Invariant($"| {sink} | {delivered / elapsed:N0} | {delivered * points / elapsed:N0} | {cursors["(appended)"] - cursors.GetValueOrDefault(sink):N0} |"));
            }
        }
        Directory.Delete(directory, recursive: true);

        // A device poll is one outbox record (its batch of all the device's points), whatever number of Modbus reads it
        // took: points/s counts polls x points, not reads x points (a 1,000-point device takes 17 reads a poll). The
        // gateway's own health batch (one record every 10 s) is left out.
        double polls = Math.Max(0, cursors["(appended)"] - cursors0["(appended)"] - elapsed / 10);
        // Disk writes: wchar is every byte the process handed to write()/pwrite() (outbox, WAL, checkpoints, logs), what an
        // SD card is asked to store; write_bytes is what reached the block device in the window (0 on tmpfs).
        double pointsWritten = Math.Max(1, polls * points);
        var result = new LoadResult(devices, points, polls * points / elapsed, cpu / elapsed * 100, peakRss / 1024.0, hwm / 1024.0,
            (wchar1 - wchar0) / pointsWritten, (written1 - written0) / pointsWritten,
            sinkIds.ToDictionary(id => id, id => cursors["(appended)"] - cursors.GetValueOrDefault(id), StringComparer.Ordinal)) { Samples = samples };
        if (print)
        {
            Console.WriteLine(FormattableString.Invariant($"| devices x points | points/s | polls/s | Modbus reads/s | gateway CPU (% of one core) | RSS during run (max sampled) | peak RSS (VmHWM) | written (wchar) per point | to the block device per point |"));
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            Console.WriteLine(FormattableString.Invariant($"| {devices} x {points} | {result.PointsPerSecond:N0} | {polls / elapsed:N1} | {requests / elapsed:N1} | {result.CpuPercent:F2} % | {result.RssMiB:F1} MiB | {result.PeakRssMiB:F1} MiB | {result.WrittenPerPoint:F1} B | {result.ToBlockDevicePerPoint:F1} B |"));
        }
        return result;
    }

    /// <summary>
    /// Starts <paramref name="devices"/> Modbus TCP servers in this process, each with <paramref name="points"/> float32
    /// holding registers, and appends their devices (<c>dev0</c>... with points <c>p0</c>...) to <paramref name="yaml"/>.
    /// </summary>
    internal static void AddDevices(StringBuilder yaml, int devices, int points, TimeSpan every, List<ModbusTcpServer> servers)
    {
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
            yaml.Append(CultureInfo.InvariantCulture, $"  - id: dev{d}\n    asset: plant\n    endpoint: tcp://127.0.0.1:{server.LocalEndPoint.Port}\n    unit: 1\n    interval: {every.TotalMilliseconds}ms\n    points:\n");
            for (int p = 0; p < points; p++)
                yaml.Append(CultureInfo.InvariantCulture, $"      - {{ id: p{p}, name: Point {d}.{p}, holding: {p * 2}, type: float32, unit: kW }}\n");
        }
    }

    /// <summary>The runtime's memory instruments as the gateway's <c>/metrics</c> gives them.</summary>
    private static async Task PrintOwnMemoryAsync(int port)
    {
        using var http = new HttpClient();
        string metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        foreach (string line in metrics.Split('\n'))
            if (!line.StartsWith('#') && (line.StartsWith("dotnet_gc_last_collection", StringComparison.Ordinal) || line.StartsWith("dotnet_process_memory", StringComparison.Ordinal)
                || line.StartsWith("dotnet_gc_heap_total_allocated", StringComparison.Ordinal) || line.StartsWith("dotnet_gc_collections", StringComparison.Ordinal)))
                Console.WriteLine("  own: " + line);
    }

    /// <summary><c>wchar</c> and <c>write_bytes</c> of <c>/proc/PID/io</c>.</summary>
    internal static (long Wchar, long WriteBytes) Io(int pid)
    {
        long wchar = 0, writeBytes = 0;
        foreach (string line in File.ReadLines($"/proc/{pid}/io"))
        {
            if (line.StartsWith("wchar:", StringComparison.Ordinal))
                wchar = long.Parse(line[6..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            else if (line.StartsWith("write_bytes:", StringComparison.Ordinal))
                writeBytes = long.Parse(line[12..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        return (wchar, writeBytes);
    }

    /// <summary>The outbox's last record id, as <c>(appended)</c>, and each sink's cursor, read beside the running gateway (WAL).</summary>
    private static Dictionary<string, long> Cursors(string path)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sink, position FROM cursors UNION ALL SELECT '(appended)', seq FROM sqlite_sequence WHERE name = 'records'";
        using var reader = command.ExecuteReader();
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        while (reader.Read())
            result[reader.GetString(0)] = reader.GetInt64(1);
        return result;
    }

    internal static double CpuSeconds(int pid)
    {
        // /proc/PID/stat fields 14 and 15: utime and stime of all threads, in clock ticks (100 per second).
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    internal static long Status(int pid, string key)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith(key, StringComparison.Ordinal))
                return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return 0;
    }
}
