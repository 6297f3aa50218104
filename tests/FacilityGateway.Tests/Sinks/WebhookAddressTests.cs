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

public sealed class RedactedAddressTests
{
    [Theory]
    [InlineData("https://ntfy.example.com/alice-phone", "https://ntfy.example.com/…")]
    [InlineData("https://hooks.example.com/services/T000/B000/XXXXSECRET", "https://hooks.example.com/…")]
    [InlineData("http://10.0.0.5:8086/write?db=x&u=admin&p=hunter2", "http://10.0.0.5:8086/…")]
    [InlineData("http://influx.local:8086", "http://influx.local:8086")]
    public void WebhookAndInfluxUrls_AreLoggedWithoutTheirTopicsAndTokens(string url, string shown)
    {
        // Regression: retry messages carried whole urls, and with them ntfy topics and chat-hook tokens.
        Assert.Equal(shown, FacilityGateway.Sinks.RedactedAddress.Of(url));
        string message = FacilityGateway.Sinks.RedactedAddress.In($"Connection refused ({url})", url);
        Assert.DoesNotContain("alice-phone", message, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", message, StringComparison.Ordinal);
    }
}
