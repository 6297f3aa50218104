using BenchmarkDotNet.Running;
using FacilityGateway.Benchmarks.Modbus;

// dotnet run -c Release --project tests/Benchmarks -- <verb> [args]
//   micro [BenchmarkDotNet args]   codec, PDU, CRC, planner and loopback round trip, with the memory diagnoser
//   compare-clients [seconds]      CPU per read of 10 registers: our client, pymodbus, mbpoll against one server
//   fuzz [inputs]                  random and mutated response frames through the real client (default 1,000,000)
//   client-loop ENDPOINT N         (used by compare-clients) N reads in a loop, prints the loop's CPU time
//   gateway-load [devices] [points] [seconds] [NAME=VALUE...]
//                                  the gateway process polling many Modbus TCP devices at 1 s: CPU % and RSS
//   end-to-end [devices] [points] [interval ms] [seconds] [NAME=VALUE...]
//                                  the same, every poll also to Mosquitto, InfluxDB 1.x and VictoriaMetrics: rates and lag
//   ng-compare [seconds] [loads]   issue 14's loads (20x50; 10x1000 and 100x1000 to Mosquitto and InfluxDB) beside NG
//                                  Gateway's published figures and the goals; FG_PREVIOUS_DLL adds a previous build,
//                                  FG_BENCH_MEMORY=1 (also for gateway-load) prints the gateway's own GC and memory figures
//   serial-line [seconds]          CPU of polling one device on a serial line: System.IO.Ports against ours (Linux)
//   serial-soak [reads]            reads back to back on a serial line: failures, reads/s, bytes per read, both ports
//   serial-server PATH, serial-client PATH KIND MS SECONDS   (used by serial-line)
//   gpio-latency [edges] [debounce ms]  GPIO edge to reading out of the pipeline, p50/p99
//   alarm-throughput [seconds]     readings/s through the alarm engine, 10,000 points, 20,000 rules
//   alarm-latency [breaches]       breaching edge to the ticket event on a real Mosquitto, p50/p99
//   delivery [records]             outbox append/replay and delivery rates to Mosquitto, InfluxDB 1.x, VictoriaMetrics
//   start-time [runs]              start to first poll of the real executable, three ways of starting it
//   write-latency [writes]         a setpoint over MQTT to the answer with the value read back, p50/p99
//   trend-history [points] [hours] the dashboard's trend history at steady state: file and disk writes per point per day
//   soak [minutes] [devices] [points]  the shipped build at 10 x 1,000 points/s to Mosquitto and InfluxDB for an hour:
//                                  RSS every minute, growth of the last 10 minutes over minutes 5-15
//   memory PID                     a running gateway's resident memory by mapping and its managed heap by type
//   dashboard-load [runs]          the dashboard with 1,000 live points in Chromium: page load and a week's trend drawn
return args.FirstOrDefault() switch
{
    "micro" => RunMicro(args[1..]),
    "compare-clients" => await ClientComparison.RunAsync(args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10),
    "fuzz" => await FuzzRun.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000),
    "client-loop" => await ClientComparison.ClientLoopAsync(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture)),
    "gateway-load" => await FacilityGateway.Benchmarks.Gateway.PollingLoad.RunAsync(
        args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 200,
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 50,
        args.Length > 3 ? double.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 60,
        args.Length > 4 ? args[4..] : []),
    "end-to-end" => await FacilityGateway.Benchmarks.Gateway.PollingLoad.RunAsync(
        args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 200,
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 50,
        args.Length > 4 ? double.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 60,
        args.Length > 5 ? args[5..] : [],
        TimeSpan.FromMilliseconds(args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 100),
        sinks: true),
    "ng-compare" => await FacilityGateway.Benchmarks.Gateway.NgGatewayComparison.RunAsync(
        args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 60,
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3),
    "serial-line" => await SerialLineCpu.RunAsync(args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 30),
    "serial-soak" => await SerialLineCpu.SoakAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000),
    "serial-server" => await SerialLineCpu.ServeAsync(args[1]),
    "serial-client" => await SerialLineCpu.ClientAsync(args[1], args[2], int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture), double.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture)),
    "delivery" => await FacilityGateway.Benchmarks.Gateway.DeliveryThroughput.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 72_000),
    "gpio-latency" => await FacilityGateway.Benchmarks.Gateway.GpioLatency.RunAsync(
        args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1000,
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 0),
    "outbox-bounds" => await FacilityGateway.Benchmarks.Gateway.OutboxBounds.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2_000_000),
    "alarm-throughput" => await FacilityGateway.Benchmarks.Gateway.AlarmBenchmarks.ThroughputAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10),
    "alarm-latency" => await FacilityGateway.Benchmarks.Gateway.AlarmBenchmarks.LatencyAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 200),
    "start-time" => await FacilityGateway.Benchmarks.Gateway.StartTime.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10),
    "write-latency" => await FacilityGateway.Benchmarks.Gateway.WriteLatency.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 200),
    "trend-history" => await FacilityGateway.Benchmarks.Gateway.TrendHistoryLoad.RunAsync(
        args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1000,
        args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 30),
    "soak" => await FacilityGateway.Benchmarks.Gateway.MemorySoak.RunAsync(
        args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 60,
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10,
        args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 1000),
    "memory" => FacilityGateway.Benchmarks.Gateway.MemoryBreakdown.Print(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture)),
    "dashboard-load" => await FacilityGateway.Benchmarks.Gateway.DashboardLoad.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10),
    _ => Usage(),
};

static int RunMicro(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(FuzzRun).Assembly).Run(args.Length == 0 ? ["--filter", "*"] : args);
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: Benchmarks micro|compare-clients [seconds]|fuzz [inputs]|client-loop ENDPOINT N|gateway-load|end-to-end|ng-compare [seconds] [loads]|serial-line|serial-soak|delivery [records]|outbox-bounds [records]|gpio-latency|alarm-throughput|alarm-latency|start-time [runs]|write-latency [writes]");
    return 2;
}
