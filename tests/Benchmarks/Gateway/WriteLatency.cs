using System.Diagnostics;
using System.Globalization;
using System.Text;
using FacilityGateway.Hosting;
using FacilityGateway.Modbus.Server;
using MQTTnet;
using MQTTnet.Protocol;

namespace FacilityGateway.Benchmarks.Gateway;

/// <summary>
/// A setpoint written over MQTT, from the publication on a real Mosquitto to the gateway's answer with the value read
/// back from the device (a Modbus TCP server in this process), while the device is polled every 200 ms: p50 and p99.
/// </summary>
public static class WriteLatency
{
    public static async Task<int> RunAsync(int writes)
    {
        string dir = Directory.CreateTempSubdirectory("fg-write-latency-").FullName;
        await using var mosquitto = await Peer.MosquittoAsync(dir);
        var store = new ModbusDataStore(1);
        await using var device = new ModbusTcpServer(store);
        device.Start();
        string path = Path.Combine(dir, "gateway.yaml");
        await File.WriteAllTextAsync(path, $$"""
            gateway: { id: bench, site: bench, data_directory: {{dir}}/data }
            logging: { level: error, console: none }
            on_call: { primary: [sam], contacts: { sam: { name: Sam } } }
            control: { people: { sam: technician } }
            assets: [{ id: boiler, name: Boiler, type: boiler }]
            devices:
              - { id: boiler-ctrl, asset: boiler, endpoint: "tcp://127.0.0.1:{{device.LocalEndPoint.Port}}", unit: 1, interval: 200ms, points: [{ id: setpoint, holding: 10, scale: 0.1, unit: °C, write: { min: 40, max: 60, step: 0.5, min_interval: 0s } }] }
            sinks:
              - { id: broker, kind: mqtt, host: 127.0.0.1, port: {{mosquitto.Port}} }
            """);
        var (config, _) = GatewayParts.Load(path);
        using var logger = GatewayLogging.Create(config.Logging, "bench");
        using var host = GatewayHost.Build(config, logger);
        await host.StartAsync();
        var answers = System.Threading.Channels.Channel.CreateUnbounded<(long At, string Payload)>();
        using var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            answers.Writer.TryWrite((Stopwatch.GetTimestamp(), Encoding.UTF8.GetString(e.ApplicationMessage.Payload)));
            return Task.CompletedTask;
        };
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", mosquitto.Port).WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).Build());
        await client.SubscribeAsync("replies/sam", MqttQualityOfServiceLevel.AtLeastOnce);
        await Task.Delay(2000); // the command listener subscribes, the device is polled
        var latencies = new List<double>();
        int failed = 0;
        for (int i = 0; i < writes; i++)
        {
            string value = (40 + (i % 40) * 0.5).ToString(CultureInfo.InvariantCulture);
            long start = Stopwatch.GetTimestamp();
            await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("facility/bench/bench/commands/write/sam")
                .WithPayload($$"""{"device":"boiler-ctrl","point":"setpoint","value":{{value}},"request_id":"{{i}}","reply_to":"replies/sam"}""")
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            var (at, payload) = await answers.Reader.ReadAsync();
            if (!payload.Contains("\"ok\":true", StringComparison.Ordinal))
                failed++;
            latencies.Add(Stopwatch.GetElapsedTime(start, at).TotalMilliseconds);
            await Task.Delay(50);
        }
        await host.StopAsync();
        Directory.Delete(dir, recursive: true);
        latencies.Sort();
        double P(double q) => latencies[(int)Math.Min(latencies.Count - 1, Math.Ceiling(q * latencies.Count) - 1)];
        Console.WriteLine("| writes | failed | p50 | p99 | max |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        Console.WriteLine(FormattableString.Invariant($"| {writes} | {failed} | {P(0.5):F2} ms | {P(0.99):F2} ms | {latencies[^1]:F2} ms |"));
        return failed == 0 ? 0 : 1;
    }
}
