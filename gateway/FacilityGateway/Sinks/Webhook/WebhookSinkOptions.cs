using FacilityGateway.Configuration;
using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Sinks.Webhook;

/// <summary>Body format of a webhook.</summary>
public enum WebhookFormat
{
    /// <summary>The ticket event JSON of docs/ON-CALL.md.</summary>
    Json,
    /// <summary>What an ntfy server takes: a text body with Title, Priority and Tags headers.</summary>
    Ntfy,
}

/// <summary><c>kind: webhook</c>: ticket notifications to an HTTP endpoint (a ticketing system, a chat hook, ntfy).</summary>
public sealed class WebhookSinkOptions : SinkOptions
{
    /// <summary>
    /// Where to post. It may hold <c>{ntfy_topic}</c>: the ntfy topic (from <c>on_call.contacts</c>) of the person the
    /// notification pages, the ticket's <c>assigned_to</c>, so an escalation reaches the secondary's phone.
    /// </summary>
    [RequiredKey, Describe("add 'url:', for example url: https://ntfy.example.com/riverside-oncall or https://ntfy.example.com/{ntfy_topic}")]
    public string Url { get; init; } = "";

    /// <summary>With <c>{ntfy_topic}</c> in the url: the topic when that person has none, nobody is assigned, or for a digest.</summary>
    public string? FallbackTopic { get; init; }

    /// <summary>
    /// ntfy: what tapping the notification opens, for example the gateway's dashboard at the ticket:
    /// <c>https://gateway.example:8080/#{ticket}</c> (<c>{ticket}</c> becomes the ticket's id).
    /// </summary>
    public string? ClickUrl { get; init; }

    public WebhookFormat Format { get; init; } = WebhookFormat.Json;

    /// <summary>Bearer token (${WEBHOOK_TOKEN} or token_file:).</summary>
    public string? Token { get; init; }

    /// <summary>Ticket events to send; default all (opened, recurred, escalated, cleared, ack, start, resolve, ...).</summary>
    public IReadOnlyList<string> Events { get; init; } = [];

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}
