using FacilityGateway.Sources.Simulated;
using System.Collections.Concurrent;
using System.Device.Gpio;
using System.Net;
using System.Text.Json;
using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;
using FacilityGateway.Sources.Gpio;
using Microsoft.Extensions.DependencyInjection;

namespace FacilityGateway.IntegrationTests;

/// <summary>Ticket notifications to an HTTP receiver (JSON and ntfy's format), from a leak on a simulated pin, through the outbox.</summary>
public sealed class WebhookTests : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly int _port = FreePort.Next();
    private readonly ConcurrentQueue<(string Path, Dictionary<string, string?> Headers, string Body)> _received = new();
    private int _failFirst;
    private int _failStatus = 503;

    public WebhookTests()
    {
        _listener.Prefixes.Add($"http://127.0.0.1:{_port}/");
        _listener.Start();
        _ = ReceiveAsync();
    }

    private async Task ReceiveAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }
            string body = await new StreamReader(context.Request.InputStream).ReadToEndAsync();
            if (Interlocked.Decrement(ref _failFirst) >= 0)
            {
                context.Response.StatusCode = _failStatus; // the receiver refuses first: the sink must retry
                context.Response.Close();
                continue;
            }
            _received.Enqueue((context.Request.Url!.AbsolutePath, context.Request.Headers.AllKeys.ToDictionary(k => k!, k => context.Request.Headers[k]), body));
            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }

    public void Dispose() => _listener.Close();

    /// <summary>A header value as a receiver decodes it: an RFC 2047 encoded word (=?UTF-8?B?...?=) or plain ASCII.</summary>
    private static string DecodeHeader(string value)
    {
        const string prefix = "=?UTF-8?B?", suffix = "?=";
        return value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && value.EndsWith(suffix, StringComparison.Ordinal)
            ? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(value[prefix.Length..^suffix.Length]))
            : value;
    }

    [Fact]
    public async Task LeakTicket_IsPosted_AsJsonAndToNtfy_WithItsIdempotencyKey_AfterARetry()
    {
        _failFirst = 1;
        await using var gateway = await GatewayUnderTest.StartAsync($$"""
            gateway: { id: gw, site: site }
            logging: { level: warning }
            assets: [{ id: tank-room, name: Tank room leak zone, type: leak_zone, location: { building: A, room: Tank room } }]
            devices:
              - { id: probe, kind: gpio_input, driver: simulated, asset: tank-room, pin: 17, meaning: leak, debounce: 10ms, alarms: [{ type: state, state: 1, on_delay: 0s, latched: true, priority: P1, message: Water leak in the tank room }] }
            sinks:
              - { id: ticketing, kind: webhook, url: "http://127.0.0.1:{{_port}}/tickets", max_backoff: 200ms }
              - { id: phone, kind: webhook, format: ntfy, url: "http://127.0.0.1:{{_port}}/oncall", events: [opened, escalated], max_backoff: 200ms }
            """);
        gateway.Services.GetRequiredService<SimulatedGpio>().Chip(0).SetInput(17, PinValue.High);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (_received.Count < 2 && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        var json = Assert.Single(_received, r => r.Path == "/tickets");
        var ntfy = Assert.Single(_received, r => r.Path == "/oncall");

        var ticketEvent = JsonDocument.Parse(json.Body).RootElement;
        Assert.Equal("opened", ticketEvent.GetProperty("event").GetString());
        Assert.Equal(ticketEvent.GetProperty("key").GetString(), json.Headers["Idempotency-Key"]);
        Assert.Equal("Tank room leak zone", ticketEvent.GetProperty("ticket").GetProperty("asset").GetProperty("name").GetString());
        Assert.Equal("p1", ticketEvent.GetProperty("ticket").GetProperty("priority").GetString());

        Assert.Equal("P1 Tank room leak zone: opened", ntfy.Headers["Title"]);
        Assert.Equal("5", ntfy.Headers["Priority"]);
        Assert.Contains("Water leak in the tank room", ntfy.Body, StringComparison.Ordinal);
        Assert.Contains("A / Tank room", ntfy.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnicodeAssetName_StoppedAllPagingAtNtfy_NowEveryTextArrivesIntact()
    {
        // Regression: the ntfy Title header carried the asset name; .NET refuses non-ASCII headers, the error was taken
        // for an unavailable peer, the record was retried for ever and every later page on that sink waited behind it.
        const string name = "三号楼 水泵房 Zürich 💧";
        await using var gateway = await GatewayUnderTest.StartAsync($$"""
            gateway: { id: gw, site: 滨江花园 }
            logging: { level: warning }
            assets: [{ id: pump-room, name: "{{name}}", type: leak_zone, location: { building: 三号楼, room: 水泵房 } }]
            devices:
              - { id: probe, kind: gpio_input, driver: simulated, asset: pump-room, pin: 17, meaning: leak, debounce: 10ms, alarms: [{ type: state, state: 1, on_delay: 0s, priority: P1, message: 水泵房漏水 }] }
              - { id: probe2, kind: gpio_input, driver: simulated, asset: pump-room, pin: 18, meaning: leak, debounce: 10ms, alarms: [{ type: state, state: 1, on_delay: 0s, priority: P1, message: Second leak }] }
            sinks:
              - { id: phone, kind: webhook, format: ntfy, url: "http://127.0.0.1:{{_port}}/oncall", events: [opened], max_backoff: 200ms }
              - { id: helpdesk, kind: webhook, url: "http://127.0.0.1:{{_port}}/helpdesk", events: [opened], max_backoff: 200ms }
            """);
        var chip = gateway.Services.GetRequiredService<SimulatedGpio>().Chip(0);
        chip.SetInput(17, PinValue.High);
        chip.SetInput(18, PinValue.High);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (_received.Count < 4 && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        var pages = _received.Where(r => r.Path == "/oncall").ToList();
        Assert.Equal(2, pages.Count); // the second page is not stuck behind the first
        Assert.Contains(pages, p => DecodeHeader(p.Headers["Title"]!) == $"P1 {name}: opened");
        Assert.Contains(pages, p => p.Body.Contains("水泵房漏水", StringComparison.Ordinal) && p.Body.Contains("三号楼 / 水泵房", StringComparison.Ordinal));
        var json = _received.Where(r => r.Path == "/helpdesk").Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        Assert.Equal(2, json.Count);
        Assert.All(json, j => Assert.Equal(name, j.GetProperty("ticket").GetProperty("asset").GetProperty("name").GetString()));
        Assert.Contains(_received, r => r.Path == "/helpdesk" && r.Body.Contains("水泵房漏水", StringComparison.Ordinal)); // UTF-8 on the wire, not \u escapes
    }

    [Fact]
    public async Task AChineseSite_IsPagedInChinese_WithItsOwnLocalTimes()
    {
        await using var gateway = await GatewayUnderTest.StartAsync($$"""
            gateway: { id: gw, site: 滨江花园, language: zh, time_zone: Asia/Shanghai }
            logging: { level: warning }
            on_call: { primary: [li], contacts: { li: { name: 李师傅 } } }
            assets: [{ id: pump-room, name: 水泵房, type: leak_zone, location: { building: 三号楼, room: 水泵房 } }]
            devices:
              - { id: probe, kind: gpio_input, driver: simulated, asset: pump-room, pin: 17, meaning: leak, debounce: 10ms, alarms: [{ type: state, state: 1, on_delay: 0s, priority: P1, message: 水泵房漏水 }] }
            sinks:
              - { id: phone, kind: webhook, format: ntfy, url: "http://127.0.0.1:{{_port}}/oncall", events: [opened], max_backoff: 200ms }
            """);
        gateway.Services.GetRequiredService<SimulatedGpio>().Chip(0).SetInput(17, PinValue.High);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (_received.IsEmpty && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        var page = Assert.Single(_received);
        Assert.Equal("P1 水泵房：新报警", DecodeHeader(page.Headers["Title"]!));
        var ticket = Assert.Single(gateway.Services.GetRequiredService<FacilityGateway.Alarms.AlarmEngine>().OpenTickets);
        string respondBy = TimeZoneInfo.ConvertTime(ticket.RespondBy, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal($"水泵房漏水\n三号楼 / 水泵房\n工单 {ticket.Id}，响应时限 {respondBy}，解决时限 {TimeZoneInfo.ConvertTime(ticket.ResolveBy!.Value, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")):yyyy-MM-dd HH:mm}，负责人 li", page.Body);
    }

    [Fact]
    public async Task WrongToken_TheNotificationIsKeptAndRetried_NotDropped()
    {
        _failFirst = 3;
        _failStatus = 401; // as if the token were wrong until someone fixes it on the receiver
        await using var gateway = await GatewayUnderTest.StartAsync($$"""
            gateway: { id: gw, site: site }
            logging: { level: error }
            assets: [{ id: tank-room, name: Tank room leak zone, type: leak_zone }]
            devices:
              - { id: probe, kind: gpio_input, driver: simulated, asset: tank-room, pin: 17, meaning: leak, debounce: 10ms, alarms: [{ type: state, state: 1, on_delay: 0s }] }
            sinks:
              - { id: helpdesk, kind: webhook, url: "http://127.0.0.1:{{_port}}/helpdesk", token: wrong-at-first, max_backoff: 200ms }
            """);
        gateway.Services.GetRequiredService<SimulatedGpio>().Chip(0).SetInput(17, PinValue.High);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (_received.IsEmpty && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        var delivered = Assert.Single(_received);
        Assert.Equal("Bearer wrong-at-first", delivered.Headers["Authorization"]);
        Assert.Contains("\"event\":\"opened\"", delivered.Body, StringComparison.Ordinal);
        Assert.True(Volatile.Read(ref _failFirst) < 0, "the 401s were not retried");
    }

    [Fact]
    public async Task Ntfy_PagesThePrimarysPhone_TheEscalationReachesTheSecondarysPhone_AndTheSupervisorIsRemindedUntilAnAck()
    {
        await using var gateway = await GatewayUnderTest.StartAsync($$"""
            gateway: { id: gw, site: site }
            logging: { level: warning }
            assets: [{ id: tank-room, name: Tank room leak zone, type: leak_zone }]
            on_call:
              primary: [alice]
              secondary: [carol]
              supervisor: erin
              p1_secondary_after: 2s
              p1_supervisor_after: 4s
              p1_repeat_every: 2s
              contacts:
                alice: { name: Alice, ntfy_topic: alice-phone }
                carol: { name: Carol, ntfy_topic: carol-phone }
                erin: { name: Erin, ntfy_topic: erin-phone }
            devices:
              - { id: probe, kind: gpio_input, driver: simulated, asset: tank-room, pin: 17, meaning: leak, debounce: 10ms, alarms: [{ type: state, state: 1, on_delay: 0s, message: Water leak in the tank room }] }
            sinks:
              - { id: phones, kind: webhook, format: ntfy, url: "http://127.0.0.1:{{_port}}/{ntfy_topic}", click_url: "https://gateway.site.example:8080/#{ticket}", events: [opened, escalated, reminder], max_backoff: 200ms }
            """);
        gateway.Services.GetRequiredService<SimulatedGpio>().Chip(0).SetInput(17, PinValue.High);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (_received.Count(r => r.Path == "/erin-phone") < 2 && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        var first = Assert.Single(_received, r => r.Path == "/alice-phone");
        Assert.Equal("P1 Tank room leak zone: opened", first.Headers["Title"]);
        Assert.Matches(@"^https://gateway\.site\.example:8080/#T-\d{8}-\d{6}-\d{4,}$", first.Headers["Click"]); // tapping it opens the dashboard at the ticket
        var escalated = Assert.Single(_received, r => r.Path == "/carol-phone");
        Assert.Equal("P1 Tank room leak zone: escalated", escalated.Headers["Title"]);
        Assert.Contains("assigned to carol", escalated.Body, StringComparison.Ordinal);
        // Nobody acknowledged: the supervisor, then the supervisor again, until someone does.
        var supervisor = _received.Where(r => r.Path == "/erin-phone").Take(2).ToList();
        Assert.Equal(["P1 Tank room leak zone: escalated", "P1 Tank room leak zone: reminder"], supervisor.Select(r => r.Headers["Title"]));
        // (That an acknowledgement ends the reminders is shown on a fake clock in EscalationTests.)
    }

    [Fact]
    public async Task Flood_TenAlarmsArePagedAlone_TheRestComeAsOneDigest_AtTheWebhookAndOnMosquitto()
    {
        await using var broker = await MosquittoBroker.StartAsync(tls: null, passwords: false);
        await using var subscriber = await MqttSubscriber.StartAsync(broker.Port, "facility/#", tls: null, credentials: false);
        var store = new ModbusDataStore(1);
        await using var modbus = new ModbusTcpServer(store);
        modbus.Start();
        await using var gateway = await GatewayUnderTest.StartAsync($$"""
            gateway: { id: gw, site: site }
            logging: { level: warning }
            assets: [{ id: plant, name: Plant room, type: other }]
            on_call: { flood: { max_notifications: 10, window: 1m, digest_every: 2s } }
            devices:
              - id: panel
                asset: plant
                endpoint: "tcp://127.0.0.1:{{modbus.LocalEndPoint.Port}}"
                unit: 1
                interval: 100ms
                points:
            {{string.Join('\n', Enumerable.Range(0, 14).Select(i => $"      - {{ id: in{i}, coil: {i}, alarms: [{{ type: state, state: 1, on_delay: 0s, priority: P3, message: Input {i} }}] }}"))}}
                  - { id: leak, coil: 20, alarms: [{ type: state, state: 1, on_delay: 0s, latched: true, priority: P1, message: Leak }] }
            sinks:
              - { id: broker, kind: mqtt, host: 127.0.0.1, port: {{broker.Port}}, max_backoff: 200ms }
              - { id: pager, kind: webhook, url: "http://127.0.0.1:{{_port}}/pager", max_backoff: 200ms }
            """);
        // A power dip: fourteen inputs at once, then a leak during the flood.
        store[1].SetBits(ModbusTable.Coils, 0, Enumerable.Repeat(true, 14).ToArray());
        await subscriber.WaitForAsync(s => s.Messages.Count(m => m.Topic.EndsWith("/events", StringComparison.Ordinal)) >= 14, TimeSpan.FromSeconds(20), "14 ticket events");
        store[1].SetBits(ModbusTable.Coils, 20, [true]);
        await subscriber.WaitForAsync(s => s.Messages.Any(m => m.Topic.EndsWith("/digests", StringComparison.Ordinal)), TimeSpan.FromSeconds(20), "the digest on MQTT");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!_received.Any(r => r.Body.Contains("\"digest\"", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
            await Task.Delay(50);

        var posted = _received.Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        var alone = posted.Where(p => p.GetProperty("event").GetString() == "opened").ToList();
        Assert.Equal(11, alone.Count); // ten P3 before the flood, and the P1 leak in it
        Assert.Contains(alone, p => p.GetProperty("ticket").GetProperty("priority").GetString() == "p1");
        var digest = Assert.Single(posted, p => p.GetProperty("event").GetString() == "digest");
        Assert.Equal(4, digest.GetProperty("items").GetArrayLength());
        Assert.Equal(digest.GetProperty("key").GetString(), _received.Single(r => r.Body.Contains("\"digest\"", StringComparison.Ordinal)).Headers["Idempotency-Key"]);

        // On MQTT every event is there for dashboards, the held ones marked.
        var events = subscriber.Messages.Where(m => m.Topic.EndsWith("/events", StringComparison.Ordinal)).Select(m => JsonDocument.Parse(m.Payload).RootElement).ToList();
        Assert.Equal(4, events.Count(e => e.TryGetProperty("held", out var held) && held.GetBoolean()));
    }
}
