using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using FacilityGateway.Modbus.Client;
using FacilityGateway.Modbus.Server;

namespace FacilityGateway.Benchmarks.Modbus;

/// <summary>
/// CPU time per read of 10 holding registers over loopback TCP for three clients against the same server (ours, in
/// this process): our client, pymodbus's synchronous client and libmodbus's mbpoll. Each client runs in its own process
/// so its CPU time is its own. Ours and pymodbus time a tight loop from inside; mbpoll polls at its fastest rate (every
/// 10 ms) and its CPU is read from /proc/PID/schedstat (nanoseconds) between two poll counts.
/// </summary>
public static partial class ClientComparison
{
    private const string Python = "/usr/bin/python3";

    public static async Task<int> RunAsync(double seconds)
    {
        var store = new ModbusDataStore(1);
        for (ushort a = 0; a < 10; a++)
            store[1].SetRegister(FacilityGateway.Modbus.Protocol.ModbusTable.HoldingRegisters, a, (ushort)(a * 111));
        await using var server = new ModbusTcpServer(store);
        server.Start();
        int port = server.LocalEndPoint.Port;
        Console.WriteLine($"server: ours, tcp://127.0.0.1:{port}; {Environment.ProcessorCount} cores; {seconds} s per client");

        // Same number of reads for ours and pymodbus: what pymodbus does in the time budget.
        string[] ourLoop = [typeof(ClientComparison).Assembly.Location, "client-loop", $"tcp://127.0.0.1:{port}", "200000"];
        var ours = await RunLoopAsync("dotnet", ourLoop);
        // Socket continuations run on the epoll thread instead of hopping to the thread pool (an environment switch of .NET).
        var oursInline = await RunLoopAsync("dotnet", ourLoop, ("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1"));
        var shipped = await RunShippedAsync(port);
        var pymodbus = await RunLoopAsync(Python, [Path.Combine(AppContext.BaseDirectory, "Peers", "pymodbus_loop.py"), "127.0.0.1", port.ToString(CultureInfo.InvariantCulture), "20000"]);
        var libmodbus = await RunLoopAsync(BuildLibmodbusLoop(), ["127.0.0.1", port.ToString(CultureInfo.InvariantCulture), "200000"]);
        var mbpoll = await RunMbpollAsync(port, seconds);

        Console.WriteLine();
        Console.WriteLine("| client | reads | CPU per read (µs) | reads/s (one connection) | CPU vs ours |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var (name, r) in new[] { ("FacilityGateway.Modbus", ours), ("FacilityGateway.Modbus, inline socket completions", oursInline), ("the shipped build: facility-gateway modbus read --repeat", shipped), ("pymodbus 3.0 (sync client)", pymodbus), ("libmodbus 3.1 (C loop)", libmodbus), ("mbpoll (libmodbus)", mbpoll) })
            Console.WriteLine($"| {name} | {r.Reads:N0} | {r.CpuPerRead * 1e6:F1} | {(r.Wall > 0 ? $"{r.Reads / r.Wall:N0}" : "n/a (polls every 10 ms)")} | {r.CpuPerRead / ours.CpuPerRead:F2}x |");
        Console.WriteLine();
        Console.WriteLine(FormattableString.Invariant($"ours / libmodbus CPU: {ours.CpuPerRead / libmodbus.CpuPerRead:F2} (inline completions {oursInline.CpuPerRead / libmodbus.CpuPerRead:F2}; the shipped build {shipped.CpuPerRead / libmodbus.CpuPerRead:F2}); ours / mbpoll: {ours.CpuPerRead / mbpoll.CpuPerRead:F2}; pymodbus / ours: {pymodbus.CpuPerRead / ours.CpuPerRead:F2}"));
        return 0;
    }

    private sealed record Result(long Reads, double CpuPerRead, double Wall);

    [GeneratedRegex(@"cpu=([\d.]+) wall=([\d.]+) n=(\d+)")]
    private static partial Regex LoopLine();

    private static async Task<Result> RunLoopAsync(string program, string[] arguments, params (string Name, string Value)[] environment)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment)
            info.Environment[name] = value;
        foreach (var a in arguments)
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        string output = await process.StandardOutput.ReadToEndAsync();
        string errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var m = LoopLine().Match(output);
        if (!m.Success)
            throw new InvalidOperationException($"{program} printed no result: {output} {errors}");
        double cpu = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        double wall = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        long n = long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
        return new Result(n, cpu / n, wall);
    }

    [GeneratedRegex(@"(\d+) reads, (\d+) failed.*?([\d.]+) reads/s; cpu_per_read_us=([\d.]+) \(after (\d+) warm-up")]
    private static partial Regex RepeatLine();

    /// <summary>
    /// The shipped build's own client, as an installer starts it (<c>FG_GATEWAY_EXE</c>, the self-contained publish, or
    /// this folder's build through dotnet): <c>modbus read --repeat</c> re-executes with the gateway's runtime settings and
    /// reports its CPU per read after its warm-up.
    /// </summary>
    private static async Task<Result> RunShippedAsync(int port)
    {
        string? exe = Environment.GetEnvironmentVariable("FG_GATEWAY_EXE");
        string[] read = ["modbus", "read", $"tcp://127.0.0.1:{port}", "--address", "0", "--count", "10", "--repeat", "220000"];
        var info = exe is not null ? new ProcessStartInfo(exe, read) : new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "facility-gateway.dll"), .. read]);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        using var process = Process.Start(info)!;
        string output = await process.StandardOutput.ReadToEndAsync();
        string errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var m = RepeatLine().Match(output);
        if (!m.Success || m.Groups[2].Value != "0")
            throw new InvalidOperationException($"the shipped build's repeated read printed no result or failed: {output} {errors}");
        long timed = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) - long.Parse(m.Groups[5].Value, CultureInfo.InvariantCulture);
        double perRead = double.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture) / 1e6;
        return new Result(timed, perRead, timed / double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture));
    }

    private static async Task<Result> RunMbpollAsync(int port, double seconds)
    {
        var info = new ProcessStartInfo("mbpoll") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-m", "tcp", "-p", port.ToString(CultureInfo.InvariantCulture), "-a", "1", "-0", "-r", "0", "-c", "10", "-l", "10", "127.0.0.1" })
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        long polls = 0;
        var counting = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
                if (line.StartsWith("[0]:", StringComparison.Ordinal))
                    Interlocked.Increment(ref polls);
        });
        while (Interlocked.Read(ref polls) < 20)
            await Task.Delay(10);
        long polls0 = Interlocked.Read(ref polls), cpu0 = SchedCpuNanoseconds(process.Id);
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        long polls1 = Interlocked.Read(ref polls), cpu1 = SchedCpuNanoseconds(process.Id);
        process.Kill();
        await process.WaitForExitAsync();
        await counting;
        long reads = polls1 - polls0;
        return new Result(reads, (cpu1 - cpu0) / 1e9 / reads, 0);
    }

    /// <summary>Builds the libmodbus loop with the machine's C compiler (needs Debian's libmodbus-dev).</summary>
    private static string BuildLibmodbusLoop()
    {
        string source = Path.Combine(AppContext.BaseDirectory, "Peers", "libmodbus_loop.c");
        string binary = Path.Combine(Path.GetTempPath(), "facilitygateway-libmodbus-loop");
        var info = new ProcessStartInfo("sh", ["-c", $"cc -O2 -o {binary} {source} $(pkg-config --cflags --libs libmodbus)"]);
        using var cc = Process.Start(info)!;
        cc.WaitForExit();
        if (cc.ExitCode != 0)
            throw new InvalidOperationException("Cannot build the libmodbus loop: apt-get install -y libmodbus-dev pkg-config gcc");
        return binary;
    }

    private static long SchedCpuNanoseconds(int pid) =>
        long.Parse(File.ReadAllText($"/proc/{pid}/schedstat").Split(' ')[0], CultureInfo.InvariantCulture);

    /// <summary>The loop run in a child process: warm up (JIT tiering), then time N reads.</summary>
    public static async Task<int> ClientLoopAsync(string endpoint, int n)
    {
        await using var client = ModbusClient.Create(endpoint);
        var registers = new ushort[10];
        for (int i = 0; i < 20_000; i++)
            await client.ReadHoldingRegistersAsync(1, 0, registers);
        using var self = Process.GetCurrentProcess();
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        var cpu = self.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        for (int i = 0; i < n; i++)
            await client.ReadHoldingRegistersAsync(1, 0, registers);
        wall.Stop();
        self.Refresh();
        var used = self.TotalProcessorTime - cpu;
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        Console.WriteLine(FormattableString.Invariant($"cpu={used.TotalSeconds:F6} wall={wall.Elapsed.TotalSeconds:F6} n={n} allocated_per_read={(double)allocated / n:F1}"));
        return 0;
    }
}
