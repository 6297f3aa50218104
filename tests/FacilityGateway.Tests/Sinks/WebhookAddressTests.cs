using FacilityGateway.Sinks.Webhook;
using FacilityGateway.Tickets;
using Microsoft.Extensions.Logging.Abstractions;

namespace FacilityGateway.Tests.Sinks;

/// <summary>Who a webhook notification reaches: the ntfy topic of the person it pages, else the fallback.</summary>
public sealed class WebhookAddressTests
{
    private static readonly Dictionary<string, OnCallContact> Contacts = new()
    {
        ["alice"] = new OnCallContact { Name = "Alice", NtfyTopic = "alice phone" },
        ["bob"] = new OnCallContact { Name = "Bob" },
    };

    private static WebhookSink Sink(string url, string? fallback = null) =>
        new(new WebhookSinkOptions { Id = "w", Kind = "webhook", Url = url, FallbackTopic = fallback }, NullLogger.Instance, Contacts);

    [Fact]
    public void TheAssignedPersonsTopic_IsTheAddress_Escaped()
    {
        Assert.Equal("https://ntfy.example/alice%20phone", Sink("https://ntfy.example/{ntfy_topic}").Address("alice"));
    }

    [Fact]
    public void WithoutATopic_TheFallbackIsUsed_AndWithoutAFallbackNothingIsSent()
    {
        Assert.Equal("https://ntfy.example/oncall", Sink("https://ntfy.example/{ntfy_topic}", "oncall").Address("bob"));
        Assert.Equal("https://ntfy.example/oncall", Sink("https://ntfy.example/{ntfy_topic}", "oncall").Address(null));
        Assert.Null(Sink("https://ntfy.example/{ntfy_topic}").Address("bob"));
    }

    [Fact]
    public void AFixedUrl_IsUsedForEveryone()
    {
        Assert.Equal("https://helpdesk.example/api", Sink("https://helpdesk.example/api").Address("alice"));
        Assert.Equal("https://helpdesk.example/api", Sink("https://helpdesk.example/api").Address(null));
    }
}
