using System.Text;
using FacilityGateway.BrowserTests.Infrastructure;
using FacilityGateway.Dashboard;
using FacilityGateway.Dashboard.History;
using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Modbus.Codec;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace FacilityGateway.BrowserTests;

/// <summary>
/// The dashboard's views as plant-room staff use them, in English and in Chinese, on a desktop and on a phone: a
/// point's trend with its limit and ticket marker, the equipment register with the work done, and the ticket list
/// with the service manual's five steps, filtered; each view saved as a screenshot for docs/DASHBOARD.md.
/// </summary>
public sealed class DashboardViewsTests : ChromiumTest
{
    private const string Token = "views-action-token";

    private sealed record Texts(string Trends, string Register, string Tickets, string Verified, string Manufacturer, string WrongToken);

    private static readonly Dictionary<string, Texts> Expected = new()
    {
        ["en-GB"] = new("Trends", "Register", "Tickets", "Verified", "Manufacturer", "Wrong or missing action token"),
        ["zh-CN"] = new("趋势", "设备台账", "工单", "核实确认", "制造商", "操作令牌错误或未填写"),
    };

    [Theory]
    [InlineData("en-GB", false)]
    [InlineData("en-GB", true)]
    [InlineData("zh-CN", false)]
    [InlineData("zh-CN", true)]
    public async Task EachView_WorksInTheBrowsersLanguage_OnADesktopAndOnAPhone(string locale, bool phone)
    {
        var texts = Expected[locale];
        string shot = $"{(locale.StartsWith("zh", StringComparison.Ordinal) ? "zh" : "en")}-{(phone ? "phone" : "desktop")}";
        var store = new ModbusDataStore(1, 2);
        SetVoltage(store, 230.5);
        await using var server = new ModbusTcpServer(store);
        server.Start();
        string data = Directory.CreateTempSubdirectory("fg-views-").FullName;
        SeedAWeekOfVoltage(Path.Combine(data, "history.db"));
        await using var gateway = await GatewayUnderTest.StartAsync($$"""
            gateway: { id: 一号机房, site: 滨江花园, time_zone: Asia/Shanghai, language: zh, data_directory: "{{data}}" }
            logging: { level: warning }
            assets:
              - { id: incomer, name: 总进线柜 Main incomer, type: meter, manufacturer: Schneider Electric, model: PM5560, serial: SN-0042, installed: 2021-06-18, location: { building: 三号楼, room: 配电房 }, team: 电工班, contact: 王工 138-0000-0000 }
              - { id: tank-room, name: 水箱间 Tank room, type: leak_zone, location: { building: 三号楼, room: 水箱间 }, team: 机电组 }
            devices:
              - { id: meter, asset: incomer, endpoint: "tcp://127.0.0.1:{{server.LocalEndPoint.Port}}", unit: 1, interval: 200ms, points: [{ id: voltage_l1, name: A相电压, register: 30001, type: float32, unit: V, alarms: [{ type: high, limit: 240, deadband: 1, on_delay: 0s, priority: P3, message: A相电压偏高 }] }] }
              - { id: leak-panel, asset: tank-room, endpoint: "tcp://127.0.0.1:{{server.LocalEndPoint.Port}}", unit: 2, interval: 200ms, points: [{ id: probe, name: 水箱下方漏水探头, coil: 0, alarms: [{ type: state, state: 1, on_delay: 0s, latched: true, priority: P1, message: 水箱下方漏水 }] }] }
            dashboard: { enabled: true, listen: "127.0.0.1:0", action_token: {{Token}} }
            """);
        var address = gateway.Services.GetRequiredService<DashboardService>().Address!;
        await using var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = locale,
            ViewportSize = phone ? new ViewportSize { Width = 390, Height = 844 } : new ViewportSize { Width = 1280, Height = 860 },
            IsMobile = phone,
            HasTouch = phone,
            DeviceScaleFactor = phone ? 2 : 1,
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync(address.ToString());

        // Live: the page speaks the browser's language; a high voltage and a leak become tickets.
        await Assertions.Expect(page.Locator("nav [data-view='trends']")).ToHaveTextAsync(texts.Trends);
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", locale.StartsWith("zh", StringComparison.Ordinal) ? "zh-CN" : "en");
        await Assertions.Expect(page.Locator("[data-point='meter/voltage_l1']")).ToContainTextAsync("230.5 V");
        SetVoltage(store, 245.0);
        store[2].SetBits(ModbusTable.Coils, 0, [true]);
        var rows = page.Locator("#tickets tr[data-ticket]");
        await Assertions.Expect(rows).ToHaveCountAsync(2, new() { Timeout = 20_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, $"live-{shot}.png"), FullPage = true });
        await AssertFitsTheScreenAsync(page);

        // The leak is acknowledged on the page and resolved by the technician (the register's work done).
        string leak = (await page.Locator("#tickets tr[data-ticket]", new() { HasText = "水箱下方漏水" }).GetAttributeAsync("data-ticket"))!;
        await page.Locator("#by").FillAsync("李师傅");
        await page.Locator("#token").FillAsync("wrong");
        await page.Locator($"#tickets tr[data-ticket='{leak}'] [data-action='ack']").ClickAsync();
        await Assertions.Expect(page.Locator("#message")).ToContainTextAsync(texts.WrongToken); // the gateway's reason, in the page's language
        var resolved = await page.APIRequest.PostAsync(new Uri(address, $"api/tickets/{leak}/resolve").ToString(), new()
        {
            DataObject = new { by = "李师傅", note = "更换密封圈" },
            Headers = new Dictionary<string, string> { ["Authorization"] = $"Bearer {Token}" },
        });
        Assert.Equal(204, resolved.Status);

        // Trends: the point's link opens its chart, with the limit and the ticket's marker.
        await page.Locator("[data-point='meter/voltage_l1'] a").ClickAsync();
        await Assertions.Expect(page.Locator("#view-trends")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#chart canvas")).ToBeVisibleAsync();
        // The seeded hour (60 minute buckets) and the minute the gateway is folding now.
        Assert.True(int.Parse(await page.Locator("#chart").GetAttributeAsync("data-buckets") ?? "0", System.Globalization.CultureInfo.InvariantCulture) >= 60);
        await Assertions.Expect(page.Locator("#trend-limits [data-limit]")).ToContainTextAsync("240");
        await Assertions.Expect(page.Locator("#trend-tickets [data-marker]")).ToContainTextAsync("A相电压偏高");
        await page.Locator("#trend-ranges [data-range='week']").ClickAsync();
        await Assertions.Expect(page.Locator("#trend-ranges [data-range='week']")).ToHaveAttributeAsync("aria-pressed", "true");
        await Assertions.Expect(page.Locator("#chart[data-range='week']")).ToBeVisibleAsync();
        Assert.True(int.Parse(await page.Locator("#chart").GetAttributeAsync("data-buckets") ?? "0", System.Globalization.CultureInfo.InvariantCulture) >= 600); // quarter hours
        await page.Locator("#trend-ranges [data-range='hour']").ClickAsync();
        await Assertions.Expect(page.Locator("#chart canvas")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, $"trends-{shot}.png"), FullPage = true });
        await AssertFitsTheScreenAsync(page);

        // The register: the asset's details, points, the work done (when, by whom) and its tickets; and its CSV.
        await page.Locator("nav [data-view='register']").ClickAsync();
        var incomer = page.Locator("[data-register='incomer']");
        await Assertions.Expect(incomer).ToContainTextAsync("PM5560");
        await Assertions.Expect(incomer).ToContainTextAsync(texts.Manufacturer);
        await Assertions.Expect(incomer).ToContainTextAsync("王工 138-0000-0000");
        await Assertions.Expect(incomer.Locator("[data-register-point='meter/voltage_l1']")).ToContainTextAsync("A相电压");
        await Assertions.Expect(incomer.Locator("[data-register-ticket]")).ToContainTextAsync("A相电压偏高");
        await Assertions.Expect(page.Locator($"[data-register='tank-room'] [data-work='{leak}']")).ToContainTextAsync("李师傅");
        await Assertions.Expect(page.Locator($"[data-register='tank-room'] [data-work='{leak}']")).ToContainTextAsync("更换密封圈");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, $"register-{shot}.png"), FullPage = true });
        await AssertFitsTheScreenAsync(page);
        var csv = await page.APIRequest.GetAsync(new Uri(address, "api/register.csv").ToString());
        byte[] bytes = await csv.BodyAsync();
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]); // a spreadsheet opens the Chinese names as they are
        string text = Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3);
        Assert.StartsWith("id,name,type,manufacturer,model", text, StringComparison.Ordinal);
        Assert.Contains("incomer,总进线柜 Main incomer,meter,Schneider Electric,PM5560,SN-0042", text, StringComparison.Ordinal);

        // Tickets: every ticket with the manual's steps; filtered by priority; the CSV follows the filter.
        await page.Locator("nav [data-view='tickets']").ClickAsync();
        var cards = page.Locator("[data-ticket-card]");
        await Assertions.Expect(cards).ToHaveCountAsync(2);
        var leakCard = page.Locator($"[data-ticket-card='{leak}']");
        await Assertions.Expect(leakCard.Locator("[data-step='verified']")).ToContainTextAsync(texts.Verified);
        await Assertions.Expect(leakCard.Locator("[data-step='reported']")).ToHaveClassAsync("done");
        await Assertions.Expect(leakCard.Locator("[data-step='reported']")).ToContainTextAsync("李师傅");
        await page.Locator("#ticket-filter [name='priority']").SelectOptionAsync("P1");
        await page.Locator("#filter-button").ClickAsync();
        await Assertions.Expect(cards).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#tickets-csv")).ToHaveAttributeAsync("href", "api/tickets.csv?priority=P1");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, $"tickets-{shot}.png"), FullPage = true });
        await AssertFitsTheScreenAsync(page);
        string tickets = Encoding.UTF8.GetString(await (await page.APIRequest.GetAsync(new Uri(address, "api/tickets.csv?priority=P1").ToString())).BodyAsync());
        Assert.Contains(leak, tickets, StringComparison.Ordinal);
        Assert.Contains("李师傅", tickets, StringComparison.Ordinal);
        Assert.DoesNotContain("A相电压偏高", tickets, StringComparison.Ordinal);

        // The other language is one tap away.
        await page.Locator("#lang").ClickAsync();
        await Assertions.Expect(page.Locator("nav [data-view='trends']")).ToHaveTextAsync(locale.StartsWith("zh", StringComparison.Ordinal) ? "Trends" : "趋势");
    }

    [Fact]
    public async Task ABrowserInNeitherLanguage_GetsTheSitesLanguage()
    {
        await using var gateway = await GatewayUnderTest.StartAsync("""
            gateway: { id: plantroom, site: riverside, language: zh }
            logging: { level: warning }
            dashboard: { enabled: true, listen: "127.0.0.1:0" }
            """);
        await using var context = await Browser.NewContextAsync(new BrowserNewContextOptions { Locale = "de-DE" });
        var page = await context.NewPageAsync();
        await page.GotoAsync(gateway.Services.GetRequiredService<DashboardService>().Address!.ToString());
        await Assertions.Expect(page.Locator("nav [data-view='register']")).ToHaveTextAsync("设备台账");
        await Assertions.Expect(page.Locator("#tickets")).ToContainTextAsync("没有未关闭的工单。");
    }

    /// <summary>On a phone nothing may need a sideways scroll: the page is as wide as the screen.</summary>
    private static async Task AssertFitsTheScreenAsync(IPage page)
    {
        int overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"the page is {overflow} px wider than the screen");
    }

    /// <summary>
    /// A week of the meter's voltage in the history file, as a gateway that ran that week would have left it: a daily
    /// swing of 228 to 238 V with a spike over the 240 V limit three hours ago.
    /// </summary>
    private static void SeedAWeekOfVoltage(string path)
    {
        var now = DateTimeOffset.UtcNow;
        using var history = new TrendStore(path, now);
        var buckets = new List<(TrendTier, long, byte[])>();
        foreach (var tier in TrendTier.All)
        {
            long width = (long)tier.Width.TotalSeconds;
            for (long start = tier.StartOf(now - tier.Kept + tier.Width); start < tier.StartOf(now); start += width)
            {
                var bucket = new TrendAccumulator(start);
                double hours = (start - now.ToUnixTimeSeconds()) / 3600.0;
                double volts = 233 + 5 * Math.Sin(hours / 24 * 2 * Math.PI) + (hours is > -3.2 and < -2.8 ? 9 : 0);
                foreach (double jitter in (double[])[-0.6, 0, 0.8])
                    bucket.Add(0, volts + jitter);
                buckets.Add((tier, start, bucket.Encode(1)));
            }
        }
        history.Write([(0, "meter", "voltage_l1")], buckets, now);
    }

    private static void SetVoltage(ModbusDataStore store, double volts)
    {
        var registers = new ushort[2];
        ModbusValueCodec.EncodeDouble(volts, new RegisterFormat(ModbusDataType.Float32), registers);
        store[1].SetRegisters(ModbusTable.InputRegisters, 0, registers);
    }
}
