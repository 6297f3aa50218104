using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using FacilityGateway.Configuration;
using InfluxDB.Client;
using InfluxDB.Client.Api.Domain;
using InfluxDB.Client.Core.Exceptions;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Sinks.Influx;

/// <summary>
/// Writes outbox records to InfluxDB. The v2 API goes through InfluxDB.Client's <see cref="WriteApiAsync"/>, never its
/// batching WriteApi, whose in-memory queue is unbounded and loses data when the server is down or on dispose
/// (influxdb-client-csharp #133, #478, #623): batching and durability are the outbox's. The v1 <c>/write</c> API, which
/// InfluxDB.Client does not speak, uses <see cref="HttpClient"/>. A 2xx moves the cursor; 5xx, 429, timeouts and
/// connection failures are retried (honouring Retry-After); a 400/413/422 means bad data: the batch is logged and dropped
/// with a count instead of being retried forever.
/// </summary>
public sealed partial class InfluxSink : ISink
{
    private readonly InfluxSinkOptions _options;
    private readonly ILogger _logger;
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _tags = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _baseTags;
    private readonly IReadOnlyDictionary<string, string> _assetTypes;
    private readonly InfluxDBClient? _v2;
    private readonly HttpClient? _v1;

    public InfluxSink(InfluxSinkOptions options, SinkContext context, ILogger logger)
    {
        _options = options;
        _logger = logger;
        ArgumentNullException.ThrowIfNull(context);
        _baseTags = new(StringComparer.Ordinal) { ["site"] = context.Site, ["gateway"] = context.GatewayId };
        _assetTypes = context.Assets.DistinctBy(a => a.Id).ToDictionary(a => a.Id, a => Configuration.Yaml.YamlBinder.EnumName(typeof(AssetType), a.Type), StringComparer.Ordinal);
        if (options.Api == InfluxApi.V2)
        {
            _v2 = new InfluxDBClient(new InfluxDBClientOptions(options.Url) { Token = options.Token ?? "", Org = options.Org, Bucket = options.Bucket, Timeout = options.Timeout });
            if (options.Gzip)
                _v2.EnableGzip();
        }
        else
        {
            _v1 = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { BaseAddress = new Uri(options.Url), Timeout = options.Timeout };
            if (options.Username is not null)
                _v1.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.Username}:{options.Password}")));
        }
    }

    public string Name => _options.Id;

    public int BatchSize => _options.BatchRecords;

    public SinkTakes Takes => SinkTakes.Telemetry;

    public TimeSpan? Heartbeat => null; // a time series keeps every sample

    /// <summary>Batches dropped as bad data (4xx) since start.</summary>
    public long RejectedBatches { get; private set; }

    public async Task DeliverAsync(IReadOnlyList<SinkRecord> records, CancellationToken cancellationToken)
    {
        var lines = new List<string>(records.Count);
        foreach (var batch in records.OfType<TelemetryRecord>().Select(r => r.Batch))
        {
            string line = LineProtocol.Line(_options.Measurement, TagsOf(batch.DeviceId, batch.AssetId), batch);
            if (line.Length > 0)
                lines.Add(line);
        }
        if (lines.Count == 0)
            return;
        await WriteAsync(lines, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes lines; a server that finds the request too large (HTTP 413) gets it in halves, down to single lines, so a
    /// server with a small body limit costs requests, not polls. Only a single line it refuses is dropped.
    /// </summary>
    private async Task WriteAsync(List<string> lines, CancellationToken cancellationToken)
    {
        try
        {
            if (_v2 is not null)
                await WriteV2Async(lines, cancellationToken).ConfigureAwait(false);
            else
                await WriteV1Async(lines, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestTooLargeException) when (lines.Count > 1)
        {
            int half = lines.Count / 2;
            await WriteAsync(lines[..half], cancellationToken).ConfigureAwait(false);
            await WriteAsync(lines[half..], cancellationToken).ConfigureAwait(false);
        }
        catch (RequestTooLargeException ex)
        {
            Reject(lines.Count, (int)HttpStatusCode.RequestEntityTooLarge, ex.Message);
        }
    }

    /// <summary>HTTP 413 from the server: this request is too large for it.</summary>
    private sealed class RequestTooLargeException(string message) : Exception(message);

    private async Task WriteV2Async(List<string> lines, CancellationToken cancellationToken)
    {
        try
        {
            await _v2!.GetWriteApiAsync().WriteRecordsAsync(lines, WritePrecision.Ms, _options.Bucket, _options.Org, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpException ex) when (ex.Status == (int)HttpStatusCode.RequestEntityTooLarge)
        {
            throw new RequestTooLargeException(ex.Message);
        }
        catch (HttpException ex) when (IsBadData(ex.Status))
        {
            Reject(lines.Count, ex.Status, ex.Message);
        }
        catch (HttpException ex)
        {
            throw new SinkUnavailableException($"InfluxDB {RedactedAddress.Of(_options.Url)}: HTTP {ex.Status}: {ex.Message}", ex, ex.RetryAfter is int seconds ? TimeSpan.FromSeconds(seconds) : null);
        }
        catch (Exception ex) when (ex is InfluxException or HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new SinkUnavailableException($"InfluxDB {RedactedAddress.Of(_options.Url)}: {ex.Message}", ex);
        }
    }

    private async Task WriteV1Async(List<string> lines, CancellationToken cancellationToken)
    {
        string query = $"/write?db={Uri.EscapeDataString(_options.Database ?? "")}&precision=ms"
            + (_options.RetentionPolicy is { } rp ? $"&rp={Uri.EscapeDataString(rp)}" : "");
        byte[] body = Encoding.UTF8.GetBytes(string.Join('\n', lines));
        using var content = _options.Gzip ? Gzip(body) : new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain") { CharSet = "utf-8" };
        HttpResponseMessage response;
        try
        {
            response = await _v1!.PostAsync(query, content, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new SinkUnavailableException($"InfluxDB {RedactedAddress.Of(_options.Url)}: {ex.Message}", ex);
        }
        using (response)
        {
            if (response.IsSuccessStatusCode)
                return;
            string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            int status = (int)response.StatusCode;
            if (status == (int)HttpStatusCode.RequestEntityTooLarge)
                throw new RequestTooLargeException(text.Trim());
            if (IsBadData(status))
            {
                Reject(lines.Count, status, text);
                return;
            }
            var retryAfter = response.Headers.RetryAfter?.Delta;
            throw new SinkUnavailableException($"InfluxDB {RedactedAddress.Of(_options.Url)}: HTTP {status}: {text.Trim()}", null, retryAfter);
        }
    }

    private static ByteArrayContent Gzip(byte[] body)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(body);
        var content = new ByteArrayContent(compressed.ToArray());
        content.Headers.ContentEncoding.Add("gzip");
        return content;
    }

    /// <summary>The server says the data itself is wrong: retrying would fail forever.</summary>
    private static bool IsBadData(int status) => status is (int)HttpStatusCode.BadRequest or (int)HttpStatusCode.RequestEntityTooLarge or (int)HttpStatusCode.UnprocessableEntity;

    private void Reject(int lines, int status, string message)
    {
        RejectedBatches++;
        LogRejected(_options.Id, lines, status, message, RejectedBatches);
    }

    private IReadOnlyDictionary<string, string> TagsOf(string device, string asset)
    {
        if (!_tags.TryGetValue(device, out var tags))
        {
            var map = new Dictionary<string, string>(_baseTags, StringComparer.Ordinal) { ["device"] = device, ["asset"] = asset };
            if (_assetTypes.TryGetValue(asset, out string? type))
                map["asset_type"] = type;
            _tags[device] = tags = map;
        }
        return tags;
    }

    public ValueTask DisposeAsync()
    {
        _v2?.Dispose();
        _v1?.Dispose();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "InfluxDB sink {Sink} dropped {Lines} line(s) the server refuses as bad data (HTTP {Status}): {Message} ({Rejected} batch(es) dropped since start)")]
    private partial void LogRejected(string sink, int lines, int status, string message, long rejected);
}
