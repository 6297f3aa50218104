using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using FacilityGateway.Modbus.Client;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;
using FacilityGateway.Modbus.Transport;
using FacilityGateway.Modbus.Transport.Linux;

namespace FacilityGateway.Benchmarks.Modbus;

/// <summary>
/// CPU of a client polling one device on a serial line (a socat pseudo-terminal pair; the server, ours, in its own
/// process): System.IO.Ports against our Linux serial port, at the gateway's usual intervals, and a process that only
/// runs the same timer as the floor. Each client is its own process; its CPU (all threads) and its wake-ups (context
/// switches of all threads) are read from /proc after a 5 s warm-up.
/// </summary>
public static partial class SerialLineCpu
{
    public static async Task<int> RunAsync(double seconds)
    {
        string self = typeof(SerialLineCpu).Assembly.Location;
        var (socat, server, ptys) = await StartLineAsync(self);
        Console.WriteLine($"line: {ptys[1]} (socat pseudo-terminal), 38400 8N1, server on {ptys[0]}; {seconds} s per client after 5 s warm-up; {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine("| client | poll interval | reads | CPU (% of one core) | wake-ups/s (all threads) |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        try
        {
            foreach (int intervalMs in new[] { 1000, 100 })
                foreach (var kind in new[] { "timer-only", "system.io.ports", "linux" })
                {
                    using var client = Process.Start(new ProcessStartInfo("dotnet")
                    {
                        ArgumentList = { self, "serial-client", ptys[1], kind, intervalMs.ToString(CultureInfo.InvariantCulture), seconds.ToString(CultureInfo.InvariantCulture) },
                        RedirectStandardOutput = true,
                    })!;
                    string result = await client.StandardOutput.ReadToEndAsync();
                    await client.WaitForExitAsync();
                    Console.WriteLine(result.Trim());
                }
        }
        finally
        {
            Stop(server, socat);
        }
        return 0;
    }

    /// <summary>
    /// As many reads of 10 registers as the line carries, back to back, through one client (System.IO.Ports or ours) in
    /// this process against our server in another: reads/s, failures, and bytes allocated per read by the client side.
    /// </summary>
    public static async Task<int> SoakAsync(int reads)
    {
        string self = typeof(SerialLineCpu).Assembly.Location;
        var (socat, server, ptys) = await StartLineAsync(self);
        Console.WriteLine($"{reads:N0} reads of 10 holding registers per client, back to back, 38400 8N1 over a socat pseudo-terminal pair");
        Console.WriteLine();
        Console.WriteLine("| client | reads | failed | wrong values | reads/s | allocated per read |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        try
        {
            var settings = new SerialLineSettings { PortName = ptys[1], BaudRate = 38400, Parity = System.IO.Ports.Parity.None };
            foreach (var (name, connector) in new (string, IModbusConnector)[] { ("System.IO.Ports", new SerialConnector(settings)), ("ours (Linux serial port)", new LinuxSerialConnector(settings)) })
            {
                await using var transport = new ModbusStreamTransport(connector, FacilityGateway.Modbus.Framing.RtuFraming.Instance, new ModbusTransportOptions { ResponseTimeout = TimeSpan.FromSeconds(1) });
                var client = new ModbusClient(transport, ModbusRetryPolicy.None, TimeProvider.System, ownsTransport: false);
                var registers = new ushort[10];
                for (int i = 0; i < 100; i++) // warm-up: JIT, connection
                    await client.ReadHoldingRegistersAsync(1, 0, registers);
                long failed = 0, wrong = 0;
                long allocated = GC.GetTotalAllocatedBytes(precise: true);
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < reads; i++)
                {
                    try
                    {
                        await client.ReadHoldingRegistersAsync(1, 0, registers);
                        if (registers[9] != 999 || registers[1] != 111)
                            wrong++;
                    }
                    catch (FacilityGateway.Modbus.Protocol.ModbusException)
                    {
                        failed++;
                    }
                }
                double seconds = clock.Elapsed.TotalSeconds;
                long bytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
                Console.WriteLine(FormattableString.Invariant($"| {name} | {reads:N0} | {failed} | {wrong} | {reads / seconds:N0} | {(double)bytes / reads:N0} B |"));
            }
        }
        finally
        {
            Stop(server, socat);
        }
        return 0;
    }

    /// <summary>Serves unit 1 (10 holding registers) on a serial device until killed.</summary>
    public static async Task<int> ServeAsync(string path)
    {
        var store = new ModbusDataStore(1);
        for (ushort a = 0; a < 10; a++)
            store[1].SetRegister(ModbusTable.HoldingRegisters, a, (ushort)(a * 111));
        await using var server = new ModbusSerialServer(store, new SerialLineSettings { PortName = path, BaudRate = 38400, Parity = System.IO.Ports.Parity.None });
        server.Start();
        Console.WriteLine("READY");
        await Task.Delay(Timeout.Infinite);
        return 0;
    }

    /// <summary>Reads 10 registers every interval for 5 s + seconds and prints one table row for the measured part.</summary>
    public static async Task<int> ClientAsync(string path, string kind, int intervalMs, double seconds)
    {
        var settings = new SerialLineSettings { PortName = path, BaudRate = 38400, Parity = System.IO.Ports.Parity.None };
        IModbusConnector? connector = kind switch
        {
            "system.io.ports" => new SerialConnector(settings),
            "linux" => new LinuxSerialConnector(settings),
            _ => null,
        };
        await using var transport = connector is null ? null : new ModbusStreamTransport(connector, FacilityGateway.Modbus.Framing.RtuFraming.Instance, new ModbusTransportOptions { ResponseTimeout = TimeSpan.FromSeconds(1) });
        var client = transport is null ? null : new ModbusClient(transport, ModbusRetryPolicy.None, TimeProvider.System, ownsTransport: false);
        var registers = new ushort[10];
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(intervalMs));
        var warmUp = Stopwatch.StartNew();
        long reads = 0;
        double cpu0 = 0;
        long switches0 = 0;
        Stopwatch? measured = null;
        while (await timer.WaitForNextTickAsync())
        {
            if (client is not null)
            {
                await client.ReadHoldingRegistersAsync(1, 0, registers);
                if (registers[9] != 999)
                    throw new InvalidOperationException("wrong value read");
            }
            if (measured is null && warmUp.Elapsed >= TimeSpan.FromSeconds(5))
            {
                (cpu0, switches0) = (Cpu(), Switches());
                measured = Stopwatch.StartNew();
                reads = 0;
                continue;
            }
            reads++;
            if (measured is not null && measured.Elapsed.TotalSeconds >= seconds)
                break;
        }
        double wall = measured!.Elapsed.TotalSeconds;
        string name = kind switch { "system.io.ports" => "System.IO.Ports", "linux" => "ours (Linux serial port)", _ => "timer only, no port (floor)" };
        Console.WriteLine(FormattableString.Invariant($"| {name} | {intervalMs} ms | {(client is null ? 0 : reads):N0} | {(Cpu() - cpu0) / wall * 100:F2} % | {(Switches() - switches0) / wall:N0} |"));
        return 0;
    }

    private static double Cpu()
    {
        string stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static long Switches()
    {
        long total = 0;
        foreach (var task in Directory.GetDirectories("/proc/self/task"))
            foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                    total += long.Parse(line[(line.IndexOf(':') + 1)..].Trim(), CultureInfo.InvariantCulture);
        return total;
    }

    /// <summary>A socat pseudo-terminal pair, and our server (its own process, this benchmark's serial-server verb) on the first end.</summary>
    private static async Task<(Process Socat, Process Server, List<string> Ptys)> StartLineAsync(string self)
    {
        var socat = Process.Start(new ProcessStartInfo("socat", "-d -d pty,raw,echo=0 pty,raw,echo=0") { RedirectStandardError = true })!;
        var ptys = new List<string>();
        while (ptys.Count < 2 && await socat.StandardError.ReadLineAsync() is { } line)
            if (PtyLine().Match(line) is { Success: true } m)
                ptys.Add(m.Groups[1].Value);
        var server = Process.Start(new ProcessStartInfo("dotnet") { ArgumentList = { self, "serial-server", ptys[0] }, RedirectStandardOutput = true })!;
        await server.StandardOutput.ReadLineAsync(); // READY
        return (socat, server, ptys);
    }

    private static void Stop(params Process[] processes)
    {
        foreach (var process in processes)
        {
            process.Kill();
            process.Dispose();
        }
    }

    [GeneratedRegex(@"PTY is (\S+)")]
    private static partial Regex PtyLine();
}
