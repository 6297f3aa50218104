using System.Diagnostics;
using FacilityGateway.Configuration;
using FacilityGateway.Outbox;
using FacilityGateway.Readings;
using FacilityGateway.Sinks;
using FacilityGateway.Sinks.Influx;
using FacilityGateway.Sinks.Mqtt;
using Microsoft.Extensions.Logging.Abstractions;

namespace FacilityGateway.Benchmarks.Gateway;

/// <summary>
/// Outbox append and replay rates, and delivery rates to a real Mosquitto, InfluxDB 1.x (v1) and VictoriaMetrics (v2),
/// each started here on a free loopback port. A record is one device poll of 50 points, as the gateway stores them.
/// The replay rates are the time to drain a backlog of <c>records</c> from the outbox to each peer.
/// </summary>
public static class DeliveryThroughput
{
    private const int Points = 50;

    public static async Task<int> RunAsync(int records)
    {
        string dir = Directory.CreateTempSubdirectory("fg-delivery-").FullName;
        try
        {
            var config = Config();
            Console.WriteLine($"{records:N0} records x {Points} points = {(long)records * Points:N0} readings; {Environment.ProcessorCount} cores");
            Console.WriteLine("| stage | records/s | points/s | time |");
            Console.WriteLine("|---|---:|---:|---:|");

            await using var outbox = new SqliteOutbox(Path.Combine(dir, "outbox.db"), new OutboxOptions { MaxRecords = 100_000_000 }, TimeProvider.System);
            var batches = Enumerable.Range(0, 1000).Select(Batch).ToArray(); // encoded by the outbox, against their layouts
            var watch = Stopwatch.StartNew();
            var pending = new List<Task<long>>(records);
            for (int i = 0; i < records; i++)
                pending.Add(await outbox.AppendAsync(batches[i % batches.Length], CancellationToken.None));
            await Task.WhenAll(pending);
            Report("outbox append (group commit, synchronous=NORMAL)", records, watch.Elapsed);

            watch.Restart();
            long cursor = 0;
            int read = 0;
            while (true)
            {
                var batch = await outbox.ReadAfterAsync(cursor, 2000, CancellationToken.None);
                if (batch.Count == 0)
                    break;
                foreach (var r in batch)
                    _ = ReadingBatchCodec.Decode(r.Payload, r.Layouts);
                read += batch.Count;
                cursor = batch[^1].Id;
            }
            Report("outbox replay (read + decode)", read, watch.Elapsed);

            await using (var mosquitto = await Peer.MosquittoAsync(dir))
                await DrainAsync("MQTT to Mosquitto (QoS 1, window 32)", outbox, new MqttSink(new MqttSinkOptions { Id = "mqtt", Kind = "mqtt", Host = "127.0.0.1", Port = mosquitto.Port, Heartbeat = TimeSpan.Zero }, FacilityGateway.Sinks.SinkContext.Of(config), NullLogger.Instance));
            await using (var influx = await Peer.InfluxAsync(dir))
                await DrainAsync("InfluxDB 1.6 v1 /write (gzip)", outbox, new InfluxSink(new InfluxSinkOptions { Id = "influx1", Kind = "influxdb", Url = influx.Url, Api = InfluxApi.V1, Database = "facility" }, FacilityGateway.Sinks.SinkContext.Of(config), NullLogger.Instance));
            await using (var vm = await Peer.VictoriaMetricsAsync(dir))
                await DrainAsync("VictoriaMetrics v2 write via InfluxDB.Client (gzip)", outbox, new InfluxSink(new InfluxSinkOptions { Id = "vm", Kind = "influxdb", Url = vm.Url, Api = InfluxApi.V2, Org = "o", Bucket = "b", Token = "t" }, FacilityGateway.Sinks.SinkContext.Of(config), NullLogger.Instance));
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task DrainAsync(string name, SqliteOutbox outbox, ISink sink)
    {
        await using (sink)
        {
            var watch = Stopwatch.StartNew();
            long cursor = 0;
            int delivered = 0;
            while (true)
            {
                var records = await outbox.ReadAfterAsync(cursor, sink.BatchSize, CancellationToken.None);
                if (records.Count == 0)
                    break;
                // Decoded as the runner decodes them (Delivery's part of the cost), then sent.
                await sink.DeliverAsync([.. records.Select(r => FacilityGateway.Delivery.RecordDecoder.Decode(r, sink.Takes, null)).OfType<FacilityGateway.Sinks.SinkRecord>()], CancellationToken.None);
                delivered += records.Count;
                cursor = records[^1].Id;
            }
            Report(name, delivered, watch.Elapsed);
        }
    }

    private static void Report(string stage, int records, TimeSpan elapsed) =>
        Console.WriteLine(FormattableString.Invariant($"| {stage} | {records / elapsed.TotalSeconds:N0} | {(long)records * Points / elapsed.TotalSeconds:N0} | {elapsed.TotalSeconds:F1} s |"));

    private static ReadingBatch Batch(int i)
    {
        var at = DateTimeOffset.UtcNow.AddSeconds(-i);
        var readings = new Reading[Points];
        for (int p = 0; p < Points; p++)
            readings[p] = new Reading($"dev{i % 200}", $"p{p}", i * 0.5 + p, null, "kW", Quality.Good, at);
        return new ReadingBatch($"dev{i % 200}", "plant", at, readings);
    }

    private static GatewayConfig Config() => new()
    {
        Gateway = new GatewayIdentity { Id = "bench", Site = "bench" },
        Assets = [new AssetOptions { Id = "plant", Name = "Plant", Type = AssetType.Other }],
    };
}
