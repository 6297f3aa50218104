using System.Text.RegularExpressions;
using FacilityGateway.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FacilityGateway.IntegrationTests;

/// <summary>The README's first command, run headless for a bounded time as a new user would run it.</summary>
public sealed partial class DemoTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Demo_Headless_PublishesTelemetryOfEveryDevice_AndStopsCleanly()
    {
        string simulator = Path.Combine(AppContext.BaseDirectory, "facility-simulator.dll");
        await using var demo = PeerProcess.Start("dotnet", simulator, "demo", "--duration", "55s", "--headless");
        string banner = await demo.WaitForLineAsync(l => l.Contains("MQTT broker on", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        int port = int.Parse(BrokerPort().Match(banner).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

        await using var subscriber = await MqttSubscriber.StartAsync(port, "facility/#", tls: null, credentials: false);
        string[] devices = ["main-meter", "pump-1-drive", "pump-2-drive", "water-meter", "leak-panel"];
        await subscriber.WaitForAsync(s => devices.All(d => s.Messages.Any(m => m.Topic == $"facility/demo-court/demo-plantroom/telemetry/{d}")),
            TimeSpan.FromSeconds(30), "telemetry of every demo device");
        // The scripted leak (at 10 s) reaches the broker as a wet probe (meaning: leak: 1 and its word), then as a P1
        // ticket on the leak zone (the leak default: latched P1, not written in demo.yaml).
        await subscriber.WaitForAsync(s => s.Messages.Any(m => m.Topic.EndsWith("/telemetry/leak-panel", StringComparison.Ordinal) && m.Payload.Contains("\"di0\":{\"v\":1,\"s\":\"wet\"", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(40), "the scripted leak");
        await subscriber.WaitForAsync(s => s.Messages.Any(m => m.Topic.Contains("/tickets/T-", StringComparison.Ordinal)
            && m.Payload.Contains("\"priority\":\"p1\"", StringComparison.Ordinal) && m.Payload.Contains("Tank room leak zone", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the P1 leak ticket");
        // The scripted pump trip (at 25 s) gives a P2 ticket on booster pump 1.
        await subscriber.WaitForAsync(s => s.Messages.Any(m => m.Topic.Contains("/tickets/T-", StringComparison.Ordinal)
            && m.Payload.Contains("\"priority\":\"p2\"", StringComparison.Ordinal) && m.Payload.Contains("Booster pump 1", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(40), "the P2 pump ticket");
        // The scripted dry run (at 35 s) of the duty pump, now pump 2: running with no flow on the main, a P2 ticket.
        await subscriber.WaitForAsync(s => s.Messages.Any(m => m.Topic.Contains("/tickets/T-", StringComparison.Ordinal)
            && m.Payload.Contains("/dry_run", StringComparison.Ordinal) && m.Payload.Contains("Booster pump 2 is running dry", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(40), "the dry-run ticket");
        Assert.Contains(subscriber.Messages, m => m.Topic == "facility/demo-court/demo-plantroom/events" && m.Payload.Contains("\"event\":\"opened\"", StringComparison.Ordinal));
        Assert.Contains(subscriber.Messages, m => m.Topic == "facility/demo-court/demo-plantroom/status" && m.Payload == "online");

        int code = await demo.WaitForExitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine(demo.Output);
        Assert.Equal(0, code);
        Assert.Contains("Demo stopped cleanly", demo.Output, StringComparison.Ordinal);
        Assert.Matches(@"scripted fault: 1\d s: leak on leak-inputs", demo.Output);
        Assert.Matches(@"ticket T-\S+: P1 Tank room leak zone: Water leak under the tanks", demo.Output);
    }

    [GeneratedRegex(@"MQTT broker on 127\.0\.0\.1:(\d+)")]
    private static partial Regex BrokerPort();
}
