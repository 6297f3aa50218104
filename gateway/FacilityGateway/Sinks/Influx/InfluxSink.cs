using System.Buffers;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using FacilityGateway.Configuration;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Sinks.Influx;

/// <summary>
/// Writes outbox records to InfluxDB as line protocol over <see cref="HttpClient"/>: the v2 API
/// (<c>/api/v2/write</c>, token) or the v1 API (<c>/write</c>, database and retention policy). A 2xx moves the cursor;
/// 5xx, 429, timeouts and connection failures are retried (honouring Retry-After); a 400/413/422 means bad data: the
/// batch is logged and dropped with a count instead of being retried forever.
/// </summary>
/// <remarks>
/// Not InfluxDB.Client: its write path is one HTTP POST of the same lines, but it brings RestSharp and Newtonsoft.Json,
/// which a Native AOT build cannot compile without warnings (their reflection).
/// Its batching WriteApi was never used (an unbounded in-memory queue that loses data when the server is down:
/// influxdb-client-csharp #133, #478, #623): batching and durability are the outbox's. The delivery benchmark writes
/// the same records through InfluxDB.Client's WriteApiAsync beside this sink (docs/PERFORMANCE.md).
/// </remarks>
public sealed partial class InfluxSink : ISink
{
    private readonly InfluxSinkOptions _options;
    private readonly ILogger _logger;
    private readonly Dictionary<string, byte[]> _seriesKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _baseTags;
    private readonly IReadOnlyDictionary<string, string> _assetTypes;
    private readonly HttpClient _http;
    private readonly string _write;
    /// <summary>The body of the delivery being written (one delivery at a time), and where each of its lines ends.</summary>
    private ArrayBufferWriter<byte> _body = new();
    private readonly List<int> _lineEnds = [];
    private readonly MemoryStream _compressed = new();

    /// <summary>A body buffer larger than this after a delivery (a backlog's) is let go rather than kept for ever.</summary>
    private const int KeptBodyBytes = 1 << 20;

    public InfluxSink(InfluxSinkOptions options, SinkContext context, ILogger logger)
    {
        _options = options;
        _logger = logger;
        ArgumentNullException.ThrowIfNull(context);
        _baseTags = new(StringComparer.Ordinal) { ["site"] = context.Site, ["gateway"] = context.GatewayId };
        _assetTypes = context.Assets.DistinctBy(a => a.Id).ToDictionary(a => a.Id, a => Configuration.Yaml.YamlBinder.EnumName(typeof(AssetType), a.Type), StringComparer.Ordinal);
        // The URL's own path is kept (a server behind a reverse proxy at /influx): the write path is relative to it.
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { BaseAddress = new Uri(options.Url.TrimEnd('/') + "/"), Timeout = options.Timeout };
        if (options.Api == InfluxApi.V2)
        {
            _write = $"api/v2/write?org={Uri.EscapeDataString(options.Org ?? "")}&bucket={Uri.EscapeDataString(options.Bucket ?? "")}&precision=ms";
            if (options.Token is { Length: > 0 } token)
                _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", token);
        }
        else
        {
            _write = $"write?db={Uri.EscapeDataString(options.Database ?? "")}&precision=ms"
                + (options.RetentionPolicy is { } rp ? $"&rp={Uri.EscapeDataString(rp)}" : "");
            if (options.Username is not null)
                _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.Username}:{options.Password}")));
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
        _body.ResetWrittenCount();
        _lineEnds.Clear();
        try
        {
            foreach (var record in records)
            {
                if (record is not TelemetryRecord { Batch: var batch } || !LineProtocol.HasLine(batch))
                    continue;
                if (_lineEnds.Count > 0)
                    _body.Write("\n"u8);
                LineProtocol.Write(_body, SeriesKeyOf(batch.DeviceId, batch.AssetId), batch);
                _lineEnds.Add(_body.WrittenCount);
            }
            if (_lineEnds.Count == 0)
                return;
            await WriteAsync(0, _lineEnds.Count, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (_body.Capacity > KeptBodyBytes)
                _body = new ArrayBufferWriter<byte>();
            if (_compressed.Capacity > KeptBodyBytes)
                _compressed.Capacity = 0;
        }
    }

    /// <summary>
    /// Writes lines; a server that finds the request too large (HTTP 413) gets it in halves, down to single lines, so a
    /// server with a small body limit costs requests, not polls. Only a single line it refuses is dropped.
    /// </summary>
    private async Task WriteAsync(int first, int count, CancellationToken cancellationToken)
    {
        try
        {
            await PostAsync(first, count, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestTooLargeException) when (count > 1)
        {
            int half = count / 2;
            await WriteAsync(first, half, cancellationToken).ConfigureAwait(false);
            await WriteAsync(first + half, count - half, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestTooLargeException ex)
        {
            Reject(count, (int)HttpStatusCode.RequestEntityTooLarge, ex.Message);
        }
    }

    /// <summary>HTTP 413 from the server: this request is too large for it.</summary>
    private sealed class RequestTooLargeException(string message) : Exception(message);

    /// <summary>Lines <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> of the body, as they lie in it (newline-separated).</summary>
    private ReadOnlyMemory<byte> Lines(int first, int count)
    {
        int start = first == 0 ? 0 : _lineEnds[first - 1] + 1;
        return _body.WrittenMemory[start.._lineEnds[first + count - 1]];
    }

    private async Task PostAsync(int first, int count, CancellationToken cancellationToken)
    {
        var body = Lines(first, count);
        using var content = _options.Gzip ? Gzip(body) : new ReadOnlyMemoryContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain") { CharSet = "utf-8" };
        HttpResponseMessage response;
        try
        {
            response = await _http.PostAsync(_write, content, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new SinkUnavailableException($"InfluxDB {RedactedAddress.Of(_options.Url)}: {ex.Message}", ex);
        }
        using (response)
        {
            if (response.IsSuccessStatusCode)
                return;
            string text = ErrorText(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            int status = (int)response.StatusCode;
            if (status == (int)HttpStatusCode.RequestEntityTooLarge)
                throw new RequestTooLargeException(text);
            if (IsBadData(status))
            {
                Reject(count, status, text);
                return;
            }
            var retryAfter = response.Headers.RetryAfter?.Delta;
            throw new SinkUnavailableException($"InfluxDB {RedactedAddress.Of(_options.Url)}: HTTP {status}: {text}", null, retryAfter);
        }
    }

    /// <summary>The server's reason: the <c>message</c> (v2) or <c>error</c> (v1) of its JSON answer, else the text as sent.</summary>
    internal static string ErrorText(string body)
    {
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object)
                foreach (string name in (string[])["message", "error"])
                    if (json.RootElement.TryGetProperty(name, out var reason) && reason.ValueKind == System.Text.Json.JsonValueKind.String)
                        return reason.GetString()!;
        }
        catch (System.Text.Json.JsonException)
        {
            // not JSON: a proxy's page, say
        }
        return body.Trim();
    }

    private ReadOnlyMemoryContent Gzip(ReadOnlyMemory<byte> body)
    {
        _compressed.SetLength(0);
        using (var gzip = new GZipStream(_compressed, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(body.Span);
        var content = new ReadOnlyMemoryContent(_compressed.GetBuffer().AsMemory(0, (int)_compressed.Length));
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

    /// <summary>The measurement and tags of a device's lines, written once.</summary>
    private byte[] SeriesKeyOf(string device, string asset)
    {
        if (!_seriesKeys.TryGetValue(device, out var key))
        {
            var tags = new Dictionary<string, string>(_baseTags, StringComparer.Ordinal) { ["device"] = device, ["asset"] = asset };
            if (_assetTypes.TryGetValue(asset, out string? type))
                tags["asset_type"] = type;
            _seriesKeys[device] = key = LineProtocol.SeriesKey(_options.Measurement, tags);
        }
        return key;
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        _compressed.Dispose();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "InfluxDB sink {Sink} dropped {Lines} line(s) the server refuses as bad data (HTTP {Status}): {Message} ({Rejected} batch(es) dropped since start)")]
    private partial void LogRejected(string sink, int lines, int status, string message, long rejected);
}
