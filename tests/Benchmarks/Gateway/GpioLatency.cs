using FacilityGateway.Sources.Simulated;
using System.Device.Gpio;
using System.Diagnostics;
using FacilityGateway.Configuration;
using FacilityGateway.Hosting;
using FacilityGateway.Readings;
using FacilityGateway.Sources.Gpio;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FacilityGateway.Benchmarks.Gateway;

/// <summary>
/// Time from a GPIO edge (on the simulated driver, under the real GpioController) to the reading leaving the pipeline
/// (handed to the last consumer, after the snapshot, the alarm engine and the outbox append), in the real host.
/// </summary>
public static class GpioLatency
{
    private sealed class Probe : IReadingConsumer
    {
        public readonly System.Threading.Channels.Channel<(long At, double Value)> Seen = System.Threading.Channels.Channel.CreateUnbounded<(long, double)>();
        public ValueTask ConsumeAsync(ReadingBatch batch, CancellationToken cancellationToken)
        {
            if (batch.DeviceId == "probe")
                Seen.Writer.TryWrite((Stopwatch.GetTimestamp(), batch.Readings[0].Value));
            return ValueTask.CompletedTask;
        }
    }

    public static async Task<int> RunAsync(int edges, int debounceMs)
    {
        string dir = Directory.CreateTempSubdirectory("fg-gpio-latency-").FullName;
        string path = Path.Combine(dir, "gateway.yaml");
        await File.WriteAllTextAsync(path, $$"""
            gateway: { id: bench, site: bench, data_directory: {{dir}}/data }
            logging: { level: warning, console: none }
            assets: [{ id: zone, name: Zone, type: leak_zone }]
            devices:
              - { id: probe, kind: gpio_input, driver: simulated, asset: zone, pin: 5, meaning: leak, debounce: {{debounceMs}}ms, interval: 1h }
            """);
        var (config, _) = FacilityGateway.Hosting.GatewayParts.Load(path);
        var probe = new Probe();
        using var logger = GatewayLogging.Create(config.Logging, "bench");
        using var host = GatewayHost.Build(config, logger, s => s.AddSingleton<IReadingConsumer>(probe));
        await host.StartAsync();
        var chip = host.Services.GetRequiredService<SimulatedGpio>().Chip(0);
        await probe.Seen.Reader.ReadAsync(); // the first report
        var latencies = new List<double>(edges);
        for (int i = 0; i < edges; i++)
        {
            var level = i % 2 == 0 ? PinValue.High : PinValue.Low;
            long start = Stopwatch.GetTimestamp();
            chip.SetInput(5, level);
            while (true)
            {
                var (at, value) = await probe.Seen.Reader.ReadAsync();
                if (value == (level == PinValue.High ? 1 : 0))
                {
                    latencies.Add(Stopwatch.GetElapsedTime(start, at).TotalMilliseconds);
                    break;
                }
            }
            await Task.Delay(5);
        }
        await host.StopAsync();
        Directory.Delete(dir, recursive: true);
        latencies.Sort();
        double P(double q) => latencies[(int)Math.Min(latencies.Count - 1, Math.Ceiling(q * latencies.Count) - 1)];
        Console.WriteLine(FormattableString.Invariant($"| debounce | edges | p50 | p99 | max |"));
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        Console.WriteLine(FormattableString.Invariant($"| {debounceMs} ms | {edges} | {P(0.5):F2} ms | {P(0.99):F2} ms | {latencies[^1]:F2} ms |"));
        return 0;
    }
}
