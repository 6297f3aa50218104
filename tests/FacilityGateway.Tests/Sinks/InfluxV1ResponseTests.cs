using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using FacilityGateway.Configuration;
using FacilityGateway.Outbox;
using FacilityGateway.Readings;
using FacilityGateway.Sinks;
using FacilityGateway.Sinks.Influx;
using Microsoft.Extensions.Logging.Abstractions;

namespace FacilityGateway.Tests.Sinks;

/// <summary>How the v1 sink treats the server's answers, against a stub HTTP server (the real InfluxDB 1.x is in the integration tests).</summary>
public sealed class InfluxV1ResponseTests : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly int _port;

    public InfluxV1ResponseTests()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            _port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        _listener.Prefixes.Add($"http://127.0.0.1:{_port}/");
        _listener.Start();
    }

    public void Dispose() => _listener.Close();

    private InfluxSink Sink() => new(
        new InfluxSinkOptions { Id = "influx", Kind = "influxdb", Url = $"http://127.0.0.1:{_port}", Api = InfluxApi.V1, Database = "facility", Username = "u", Password = "p" },
        SinkContext.Of(new GatewayConfig { Gateway = new GatewayIdentity { Id = "gw", Site = "site" } }), NullLogger.Instance);

    private static SinkRecord Record(long id)
    {
        var batch = new ReadingBatch("meter", "incomer", DateTimeOffset.FromUnixTimeMilliseconds(1000 + id),
            [new Reading("meter", "p", id, null, "kW", Quality.Good, DateTimeOffset.FromUnixTimeMilliseconds(1000 + id))]);
        return new TelemetryRecord(id, $"e-{id}", batch, batch.Readings);
    }

    /// <summary>Answers one request with <paramref name="status"/>; returns what was received.</summary>
    private async Task<(string Query, string Body, string? Encoding, string? Authorization)> AnswerAsync(int status, string? retryAfter = null)
    {
        var context = await _listener.GetContextAsync();
        using var body = context.Request.Headers["Content-Encoding"] == "gzip" ? new GZipStream(context.Request.InputStream, CompressionMode.Decompress) : context.Request.InputStream;
        string text = await new StreamReader(body).ReadToEndAsync();
        context.Response.StatusCode = status;
        if (retryAfter is not null)
            context.Response.Headers["Retry-After"] = retryAfter;
        context.Response.Close();
        return (context.Request.Url!.Query, text, context.Request.Headers["Content-Encoding"], context.Request.Headers["Authorization"]);
    }

    [Fact]
    public async Task Success_SendsGzippedLineProtocol_ToTheDatabase_WithBasicAuth()
    {
        await using var sink = Sink();
        var answer = AnswerAsync(204);
        await sink.DeliverAsync([Record(1), Record(2)], default);
        var (query, body, encoding, authorization) = await answer;
        Assert.Contains("db=facility", query, StringComparison.Ordinal);
        Assert.Contains("precision=ms", query, StringComparison.Ordinal);
        Assert.Equal("gzip", encoding);
        Assert.StartsWith("Basic ", authorization, StringComparison.Ordinal);
        Assert.Equal(["readings,asset=incomer,device=meter,gateway=gw,site=site p=1 1001", "readings,asset=incomer,device=meter,gateway=gw,site=site p=2 1002"], body.Split('\n'));
    }

    [Fact]
    public async Task BadData_400_IsDroppedAndCounted_NotRetried()
    {
        await using var sink = Sink();
        var answer = AnswerAsync(400);
        await sink.DeliverAsync([Record(1)], default); // returns: the runner moves on
        await answer;
        Assert.Equal(1, sink.RejectedBatches);
    }

    [Fact]
    public async Task Overloaded_503_WithRetryAfter_IsRetriedAfterThatLong()
    {
        await using var sink = Sink();
        var answer = AnswerAsync(503, "7");
        var ex = await Assert.ThrowsAsync<SinkUnavailableException>(() => sink.DeliverAsync([Record(1)], default));
        await answer;
        Assert.Equal(TimeSpan.FromSeconds(7), ex.RetryAfter);
    }

    [Fact]
    public async Task ServerDown_IsUnavailable_NotAnError()
    {
        _listener.Stop();
        await using var sink = Sink();
        await Assert.ThrowsAsync<SinkUnavailableException>(() => sink.DeliverAsync([Record(1)], default));
    }
}
