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
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _tags = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _baseTags;
    private readonly IReadOnlyDictionary<string, string> _assetTypes;
    private readonly HttpClient _http;
    private readonly string _write;

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
            await PostAsync(lines, cancellationToken).ConfigureAwait(false);
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

    private async Task PostAsync(List<string> lines, CancellationToken cancellationToken)
    {
        byte[] body = Encoding.UTF8.GetBytes(string.Join('\n', lines));
        using var content = _options.Gzip ? Gzip(body) : new ByteArrayContent(body);
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
                Reject(lines.Count, status, text);
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
        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "InfluxDB sink {Sink} dropped {Lines} line(s) the server refuses as bad data (HTTP {Status}): {Message} ({Rejected} batch(es) dropped since start)")]
    private partial void LogRejected(string sink, int lines, int status, string message, long rejected);
}
