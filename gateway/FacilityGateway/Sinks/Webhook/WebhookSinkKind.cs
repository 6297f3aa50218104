using FacilityGateway.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using FacilityGateway.Tickets;

namespace FacilityGateway.Sinks.Webhook;

/// <summary><c>kind: webhook</c>.</summary>
internal sealed class WebhookSinkKind : ISinkKind
{
    public string Name => "webhook";

    public SinkOptions CreateOptions() => new WebhookSinkOptions();

    public void Validate(SinkOptions options, ValidationContext context)
    {
        var webhook = (WebhookSinkOptions)options;
        string url = webhook.Url.Replace(WebhookSink.TopicPlaceholder, "topic", StringComparison.Ordinal);
        if (webhook.Url.Length > 0 && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            context.Errors.Error(webhook.OriginOf("url"), webhook.PathOf("url"), $"'{webhook.Url}' is not an http(s) URL");
        if (webhook.ClickUrl is { Length: > 0 } click && (!Uri.TryCreate(click.Replace("{ticket}", "T", StringComparison.Ordinal), UriKind.Absolute, out var clickUri) || clickUri.Scheme is not ("http" or "https")))
            context.Errors.Error(webhook.OriginOf("click_url"), webhook.PathOf("click_url"), $"'{click}' is not an http(s) URL", "the address of the dashboard as the technician's phone reaches it");
        var known = TicketEvent.Names.ToList();
        foreach (var name in webhook.Events.Where(e => !known.Contains(e)))
            context.Errors.Error(webhook.OriginOf("events"), webhook.PathOf("events"), $"'{name}' is not an event: this sink would never send it",
                $"events are {string.Join(", ", known)}");
        if (webhook.Url.Contains(WebhookSink.TopicPlaceholder, StringComparison.Ordinal) && webhook.FallbackTopic is null)
        {
            var onCall = context.Config.OnCall();
            foreach (var person in onCall.Primary.Concat(onCall.Secondary).Append(onCall.Supervisor).OfType<string>().Distinct()
                .Where(p => onCall.Contacts.GetValueOrDefault(p)?.NtfyTopic is not { Length: > 0 }))
                context.Errors.Warning(webhook.OriginOf("url"), webhook.PathOf("url"), $"'{person}' is on the rota but has no ntfy_topic: notifications paging them would not be sent",
                    $"add ntfy_topic to on_call.contacts.{person}, or fallback_topic: to this sink");
        }
    }

    public ISink Create(SinkOptions options, SinkContext context, IServiceProvider services) =>
        new WebhookSink((WebhookSinkOptions)options, services.GetRequiredService<ILoggerFactory>().CreateLogger<WebhookSink>(), context.Contacts, context.Texts);
}
