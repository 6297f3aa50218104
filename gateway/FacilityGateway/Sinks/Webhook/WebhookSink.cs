using System.Net.Http.Headers;
using System.Text;
using FacilityGateway.Configuration;
using FacilityGateway.Configuration.Yaml;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using FacilityGateway.Tickets;

namespace FacilityGateway.Sinks.Webhook;

/// <summary>
/// Posts each ticket event, in order, with the event's key (ticket id and revision) as <c>Idempotency-Key</c>, so a
/// receiver that gets a notification twice (after a retry) can tell. During a flood the P2-P4 events are held and come
/// as one digest (key <c>D-site-N</c>). 2xx moves on; 400, 413 and 422 (the receiver refuses that notification) are
/// logged and dropped; everything else, a wrong token or url included, is retried (honouring Retry-After) so nothing is
/// lost while the configuration is put right.
/// </summary>
public sealed partial class WebhookSink(WebhookSinkOptions options, ILogger logger, IReadOnlyDictionary<string, Tickets.OnCallContact>? contacts = null, TicketTexts? siteTexts = null) : ISink
{
    /// <summary>The placeholder of <see cref="WebhookSinkOptions.Url"/> for the paged person's ntfy topic.</summary>
    public const string TopicPlaceholder = "{ntfy_topic}";

    private readonly HttpClient _http = new() { Timeout = options.Timeout };
    private readonly TicketTexts _texts = siteTexts ?? TicketTexts.For(Configuration.SiteLanguage.En);

    public string Name => options.Id;

    public int BatchSize => 50;

    public SinkTakes Takes => SinkTakes.TicketChanges | SinkTakes.Digests;

    public TimeSpan? Heartbeat => null;

    public async Task DeliverAsync(IReadOnlyList<SinkRecord> records, CancellationToken cancellationToken)
    {
        // One record at a time, and on a failure the runner hears how far the receiver got: a retry never pages a phone
        // again for a notification it already had.
        long? deliveredThrough = null;
        foreach (var record in records)
        {
            using var request = RequestOrDeadLetter(record);
            if (request is null)
            {
                deliveredThrough = record.Id;
                continue;
            }
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new SinkUnavailableException($"webhook {RedactedAddress.Of(options.Url)}: {RedactedAddress.In(ex.Message, request.RequestUri?.ToString() ?? "")}", ex, null, deliveredThrough);
            }
            using (response)
            {
                int status = (int)response.StatusCode;
                if (!response.IsSuccessStatusCode)
                {
                    // Only a refusal of the notification itself (bad request, too large, unprocessable) is dropped. A wrong
                    // token or address (401, 403, 404, ...) is the configuration's fault: kept and retried until it is fixed.
                    if (status is not (400 or 413 or 422))
                        throw new SinkUnavailableException($"webhook {RedactedAddress.Of(options.Url)}: HTTP {status}{(status is 401 or 403 ? " (check the sink's token)" : status == 404 ? " (check the sink's url)" : "")}",
                            null, response.Headers.RetryAfter?.Delta, deliveredThrough);
                    LogRefused(options.Id, request.Headers.GetValues("Idempotency-Key").First(), status);
                }
            }
            deliveredThrough = record.Id;
        }
    }

    /// <summary>The request for a record; a record no request can be made of (a field missing) is undeliverable.</summary>
    private HttpRequestMessage? RequestOrDeadLetter(SinkRecord record)
    {
        try
        {
            return Request(record);
        }
        catch (Exception ex) when (ex is NullReferenceException or FormatException or InvalidOperationException or ArgumentException)
        {
            throw new UndeliverableRecordException(record.Id, $"record {record.Id} ({record.GetType().Name}) cannot be made a notification: {ex.Message}", ex);
        }
    }

    /// <summary>The request for a ticket event or a digest; null for what this webhook does not send.</summary>
    private HttpRequestMessage? Request(SinkRecord record)
    {
        string key, title, body;
        string? person = null, ticketId = null;
        AlarmPriority priority;
        byte[] json;
        if (record is TicketChangeRecord change)
        {
            var ticketEvent = change.Change;
            json = change.Json;
            if (ticketEvent.Held == true || (options.Events.Count > 0 && !options.Events.Contains(ticketEvent.Event)))
                return null; // held for the flood digest, or not wanted here
            var t = ticketEvent.Ticket;
            (key, priority, title, person, ticketId) = (ticketEvent.Key, t.Priority, _texts.Title(t, ticketEvent.Event), t.AssignedTo, t.Id);
            body = _texts.Body(t);
        }
        else if (record is DigestRecord digestRecord)
        {
            var digest = digestRecord.Digest;
            json = digestRecord.Json;
            if (options.Events.Count > 0 && !options.Events.Contains(digest.Event))
                return null;
            (key, priority) = (digest.Key, digest.Items.Min(i => i.Priority));
            title = _texts.DigestTitle(digest.Site, digest.Items.Count);
            body = string.Join('\n', digest.Items.Select(i => _texts.DigestLine(i.Priority, i.Asset, i.Event, i.Message, i.Ticket)));
        }
        else
        {
            return null;
        }
        if (Address(person) is not { } url)
        {
            LogNobodyToPage(options.Id, key, person ?? "nobody");
            return null;
        }
        var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Headers.Add("Idempotency-Key", HeaderText.Encode(key));
        if (options.Token is { Length: > 0 } token)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (options.Format == WebhookFormat.Ntfy)
        {
            request.Headers.Add("Title", HeaderText.Encode(title));
            request.Headers.Add("Priority", priority switch { AlarmPriority.P1 => "5", AlarmPriority.P2 => "4", AlarmPriority.P3 => "3", _ => "2" });
            request.Headers.Add("Tags", priority == AlarmPriority.P1 ? "rotating_light" : "warning");
            if (options.ClickUrl is { Length: > 0 } click)
                request.Headers.Add("Click", HeaderText.Encode(click.Replace("{ticket}", ticketId is null ? "" : Uri.EscapeDataString(ticketId), StringComparison.Ordinal)));
            request.Content = new StringContent(body, Encoding.UTF8, "text/plain");
        }
        else
        {
            request.Content = new ByteArrayContent(json);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        return request;
    }

    /// <summary>The url for a notification that pages <paramref name="person"/>; null when it names nobody to reach.</summary>
    internal string? Address(string? person)
    {
        if (!options.Url.Contains(TopicPlaceholder, StringComparison.Ordinal))
            return options.Url;
        string? topic = person is not null && contacts?.GetValueOrDefault(person)?.NtfyTopic is { Length: > 0 } own ? own : options.FallbackTopic;
        return topic is null ? null : options.Url.Replace(TopicPlaceholder, Uri.EscapeDataString(topic), StringComparison.Ordinal);
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook {Sink}: notification {Key} pages {Person}, who has no ntfy topic, and the sink has no fallback_topic; not sent")]
    private partial void LogNobodyToPage(string sink, string key, string person);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook {Sink} refused notification {Key} with HTTP {Status}; dropped")]
    private partial void LogRefused(string sink, string key, int status);
}
