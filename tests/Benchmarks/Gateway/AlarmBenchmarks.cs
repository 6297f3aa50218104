using FacilityGateway.Sources.Simulated;
using System.Device.Gpio;
using System.Diagnostics;
using System.Text;
using FacilityGateway.Alarms;
using FacilityGateway.Configuration;
using FacilityGateway.Hosting;
using FacilityGateway.Outbox;
using FacilityGateway.Readings;
using FacilityGateway.Sources.Gpio;
using FacilityGateway.Sources.Modbus;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using FacilityGateway.Tickets;

namespace FacilityGateway.Benchmarks.Gateway;

/// <summary>The alarm engine's throughput on normal readings, and the time from a breaching edge to the ticket on a real broker.</summary>
public static class AlarmBenchmarks
{
    /// <summary>10,000 points (200 devices x 50) with 2 rules each, readings in batches of one device poll.</summary>
    public static async Task<int> ThroughputAsync(int seconds)
    {
        string dir = Directory.CreateTempSubdirectory("fg-alarm-bench-").FullName;
        var config = new GatewayConfig
        {
            Gateway = new GatewayIdentity { Id = "bench", Site = "bench", DataDirectory = dir },
            Assets = [new AssetOptions { Id = "plant", Name = "Plant", Type = AssetType.Other }],
        };
        var rules = new AlarmRuleSet();
        config.SetPlan(rules);
        for (int d = 0; d < 200; d++)
        {
            var device = new ModbusDeviceOptions { Id = $"dev{d}", Asset = "plant" };
            for (int p = 0; p < 50; p++)
            {
                rules.Add(new AlarmRule($"dev{d}/p{p}/high", device.Id, $"p{p}", "plant", AlarmRuleType.High, 100, 2, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.Zero, false, AlarmPriority.P3, "high", ""));
                rules.Add(new AlarmRule($"dev{d}/p{p}/low", device.Id, $"p{p}", "plant", AlarmRuleType.Low, 0, 2, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.Zero, false, AlarmPriority.P3, "low", ""));
            }
            config.Add(ConfigurationRegistry.DevicesKey, device);
        }
        var services = new ServiceCollection().AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance).BuildServiceProvider();
        var outbox = new OutboxService(FacilityGateway.Hosting.GatewayHost.OutboxPlanOf(config), TimeProvider.System, NullLoggerFactory.Instance);
        await outbox.StartAsync(default);
        var engine = new AlarmEngine(AlarmEnginePlan.Of(config), outbox, TimeProvider.System, NullLogger<AlarmEngine>.Instance);
        var now = DateTimeOffset.UtcNow;
        var batches = Enumerable.Range(0, 200).Select(d => new ReadingBatch($"dev{d}", "plant", now,
            [.. Enumerable.Range(0, 50).Select(p => new Reading($"dev{d}", $"p{p}", 50 + p % 7, null, "", Quality.Good, now))])).ToArray();
        for (int i = 0; i < 2000; i++)
            await engine.ConsumeAsync(batches[i % batches.Length], default); // warm-up
        long readings = 0;
        var watch = Stopwatch.StartNew();
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        while (watch.Elapsed.TotalSeconds < seconds)
        {
            foreach (var batch in batches)
                await engine.ConsumeAsync(batch, default);
            readings += 10_000;
        }
        process.Refresh();
        Console.WriteLine("| points | rules | readings | readings/s | CPU per reading |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        Console.WriteLine(FormattableString.Invariant($"| 10,000 | 20,000 | {readings:N0} | {readings / watch.Elapsed.TotalSeconds:N0} | {(process.TotalProcessorTime - cpu).TotalMilliseconds * 1e6 / readings:F0} ns |"));
        await outbox.StopAsync(default);
        Directory.Delete(dir, recursive: true);
        return 0;
    }

    /// <summary>A breach on a (simulated) GPIO pin to the ticket's retained message on a real Mosquitto, repeatedly.</summary>
    public static async Task<int> LatencyAsync(int breaches)
    {
        string dir = Directory.CreateTempSubdirectory("fg-alarm-latency-").FullName;
        await using var mosquitto = await Peer.MosquittoAsync(dir);
        string path = Path.Combine(dir, "gateway.yaml");
        await File.WriteAllTextAsync(path, $$"""
            gateway: { id: bench, site: bench, data_directory: {{dir}}/data }
            logging: { level: warning, console: none }
            assets: [{ id: zone, name: Zone, type: leak_zone }]
            devices:
            {{string.Join('\n', Enumerable.Range(0, breaches).Select(i => $"  - {{ id: probe{i}, kind: gpio_input, driver: simulated, asset: zone, chip: {i / 50}, pin: {i % 50}, meaning: leak, debounce: 0ms, interval: 1h, alarms: [{{ type: state, state: 1, on_delay: 0s, priority: P1, message: Leak {i} }}] }}"))}}
            sinks:
              - { id: broker, kind: mqtt, host: 127.0.0.1, port: {{mosquitto.Port}} }
            """);
        var (config, _) = FacilityGateway.Hosting.GatewayParts.Load(path);
        using var logger = GatewayLogging.Create(config.Logging, "bench");
        using var host = GatewayHost.Build(config, logger);
        await host.StartAsync();
        var arrived = System.Threading.Channels.Channel.CreateUnbounded<(long At, string Payload)>();
        using var subscriber = new MqttClientFactory().CreateMqttClient();
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            arrived.Writer.TryWrite((Stopwatch.GetTimestamp(), Encoding.UTF8.GetString(e.ApplicationMessage.Payload)));
            return Task.CompletedTask;
        };
        await subscriber.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", mosquitto.Port).Build());
        await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("facility/bench/bench/events").Build());
        var gpio = host.Services.GetRequiredService<SimulatedGpio>();
        var latencies = new List<double>();
        await Task.Delay(1000); // the sink connects on its first delivery
        for (int i = 0; i < breaches; i++)
        {
            long start = Stopwatch.GetTimestamp();
            gpio.Chip(i / 50).SetInput(i % 50, PinValue.High); // a new leak: a new ticket (one per probe, so no chatter)
            while (true)
            {
                var (at, payload) = await arrived.Reader.ReadAsync();
                if (payload.Contains($"Leak {i}\"", StringComparison.Ordinal) && payload.Contains("\"event\":\"opened\"", StringComparison.Ordinal))
                {
                    latencies.Add(Stopwatch.GetElapsedTime(start, at).TotalMilliseconds);
                    break;
                }
            }
            await Task.Delay(20);
        }
        await host.StopAsync();
        latencies.Sort();
        double P(double q) => latencies[(int)Math.Min(latencies.Count - 1, Math.Ceiling(q * latencies.Count) - 1)];
        Console.WriteLine("| breaches | p50 | p99 | max |");
        Console.WriteLine("|---:|---:|---:|---:|");
        Console.WriteLine(FormattableString.Invariant($"| {breaches} | {P(0.5):F2} ms | {P(0.99):F2} ms | {latencies[^1]:F2} ms |"));
        return 0;
    }
}
