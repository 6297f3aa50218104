using FacilityGateway.Alarms;
using FacilityGateway.BrowserTests.Infrastructure;
using FacilityGateway.Dashboard;
using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Modbus.Codec;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;
using FacilityGateway.Tickets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace FacilityGateway.BrowserTests;

/// <summary>
/// The dashboard as an engineer and an on-call technician use it, in Debian's headless Chromium: live readings of a
/// real Modbus device, a leak that becomes a P1 ticket on the page, and the technician acknowledging it there.
/// </summary>
public sealed class DashboardTests : ChromiumTest
{
    private const string Token = "s3cret-action-token";

    private static async Task<(ModbusDataStore Store, ModbusTcpServer Server)> PlantAsync()
    {
        var store = new ModbusDataStore(1, 2); // unit 1 the meter, unit 2 the leak input module
        var registers = new ushort[2];
        ModbusValueCodec.EncodeDouble(230.5, new RegisterFormat(ModbusDataType.Float32), registers);
        store[1].SetRegisters(ModbusTable.InputRegisters, 0, registers);
        var server = new ModbusTcpServer(store);
        server.Start();
        await Task.CompletedTask;
        return (store, server);
    }

    private static string Yaml(int port, bool withToken) => $$"""
        gateway: { id: plantroom, site: riverside }
        logging: { level: warning }
        assets:
          - { id: incomer, name: Main incomer, type: meter, location: { building: Riverside Court, room: Plant room }, team: Electrical }
          - { id: tank-room, name: Tank room leak zone, type: leak_zone, location: { building: Riverside Court, room: Tank room }, team: Mechanical }
        devices:
          - { id: meter, asset: incomer, endpoint: "tcp://127.0.0.1:{{port}}", unit: 1, interval: 200ms, points: [{ id: voltage_l1, name: Phase 1 voltage, register: 30001, type: float32, unit: V }] }
          - { id: leak-panel, asset: tank-room, endpoint: "tcp://127.0.0.1:{{port}}", unit: 2, interval: 200ms, points: [{ id: probe, name: Probe under the tanks, coil: 0, alarms: [{ type: state, state: 1, on_delay: 0s, latched: true, priority: P1, message: Water leak under the tanks }] }] }
        dashboard: { enabled: true, listen: "127.0.0.1:0"{{(withToken ? $", action_token: {Token}" : "")}} }
        """;

    [Fact]
    public async Task Engineer_SeesLiveReadings_Technician_AcknowledgesTheLeakTicketOnThePage()
    {
        var (store, server) = await PlantAsync();
        await using var _ = server;
        await using var gateway = await GatewayUnderTest.StartAsync(Yaml(server.LocalEndPoint.Port, withToken: true));
        var address = gateway.Services.GetRequiredService<DashboardService>().Address!;
        var page = await Browser.NewPageAsync();
        await page.GotoAsync(address.ToString());

        // Live readings, by asset, from the device.
        await Assertions.Expect(page.Locator("#title")).ToHaveTextAsync("FacilityGateway · riverside / plantroom");
        var voltage = page.Locator("[data-point='meter/voltage_l1']");
        await Assertions.Expect(voltage).ToContainTextAsync("230.5 V");
        await Assertions.Expect(voltage).ToContainTextAsync("Phase 1 voltage");
        await Assertions.Expect(page.Locator("[data-asset='incomer']")).ToContainTextAsync("Riverside Court / Plant room");
        await Assertions.Expect(page.Locator("[data-device='meter']")).ToContainTextAsync("online");
        await Assertions.Expect(page.Locator("#tickets")).ToContainTextAsync("No open tickets.");

        // The value moves on the device: the page follows without a reload.
        var registers = new ushort[2];
        ModbusValueCodec.EncodeDouble(236.0, new RegisterFormat(ModbusDataType.Float32), registers);
        store[1].SetRegisters(ModbusTable.InputRegisters, 0, registers);
        await Assertions.Expect(voltage).ToContainTextAsync("236 V");

        // A leak: the P1 ticket appears with the asset from the register.
        store[2].SetBits(ModbusTable.Coils, 0, [true]);
        var row = page.Locator("#tickets tr[data-ticket]");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row).ToContainTextAsync("P1");
        await Assertions.Expect(row).ToContainTextAsync("Water leak under the tanks");
        await Assertions.Expect(row).ToContainTextAsync("Tank room leak zone");
        await Assertions.Expect(row).ToContainTextAsync("resolve by"); // the P1 resolution target, 4 h on
        await Assertions.Expect(row).ToHaveAttributeAsync("data-state", "open");

        // Without a name the page asks for one; with the wrong token the gateway refuses, and the page says so.
        await row.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();
        await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("Type your name first");
        await page.GetByLabel("Your name").FillAsync("alice");
        await page.GetByLabel("Action token").FillAsync("wrong");
        await row.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();
        await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("Wrong or missing action token");
        await Assertions.Expect(row).ToHaveAttributeAsync("data-state", "open");

        await page.GetByLabel("Action token").FillAsync(Token);
        await row.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();
        await Assertions.Expect(row).ToHaveAttributeAsync("data-state", "acknowledged");
        await Assertions.Expect(row.GetByRole(AriaRole.Button, new() { Name = "Resolve" })).ToBeVisibleAsync();

        var ticket = Assert.Single(gateway.Services.GetRequiredService<AlarmEngine>().OpenTickets);
        Assert.Equal(TicketState.Acknowledged, ticket.State);
        Assert.Contains(ticket.Audit, a => a is { Action: "ack", By: "alice", Note: "from the dashboard" });

        // Opened from a phone notification's link (click_url …/#{ticket}): that ticket stands out.
        var linked = await Browser.NewPageAsync();
        await linked.GotoAsync(new Uri(address, $"#{ticket.Id}").ToString());
        await Assertions.Expect(linked.Locator($"tr[data-ticket='{ticket.Id}']")).ToHaveClassAsync("focus");
    }

    [Fact]
    public async Task Technician_SignsIn_SetsASetpointWithAConfirmation_AndTheWriteIsTheirs_AViewerSeesNoControls()
    {
        var (store, server) = await PlantAsync();
        await using var _ = server;
        string passwords = Path.Combine(Directory.CreateTempSubdirectory("fg-passwords-").FullName, "dashboard-passwords");
        await File.WriteAllLinesAsync(passwords, [DashboardPeople.HashLine("sam", "correct-horse-1"), DashboardPeople.HashLine("vic", "viewer-password-2")]);
        await using var gateway = await GatewayUnderTest.StartAsync($$"""
            gateway: { id: plantroom, site: riverside }
            logging: { level: warning }
            on_call: { primary: [sam], contacts: { sam: { name: 萨姆 }, vic: { name: Vic } } }
            control: { people: { sam: technician } }
            assets: [{ id: boiler, name: 一号锅炉, type: boiler }]
            devices:
              - { id: boiler-ctrl, asset: boiler, endpoint: "tcp://127.0.0.1:{{server.LocalEndPoint.Port}}", unit: 1, interval: 200ms,
                  points: [{ id: supply_setpoint, name: 供水温度设定, holding: 20, scale: 0.1, unit: °C, write: { min: 40, max: 60, step: 0.5, roles: [technician], min_interval: 0s } }] }
              - { id: pump-drive, asset: boiler, endpoint: "tcp://127.0.0.1:{{server.LocalEndPoint.Port}}", unit: 2, interval: 200ms, profile: abb-acs580,
                  points: [{ id: control_word, write: { values: [1150, 1151, 1278], roles: [technician], min_interval: 0s } }] }
            dashboard: { enabled: true, listen: "127.0.0.1:0", passwords_file: {{passwords}} }
            """);
        var address = gateway.Services.GetRequiredService<DashboardService>().Address!;
        var page = await Browser.NewPageAsync();
        await page.GotoAsync(address.ToString());

        // Not signed in: a sign-in form and nothing of the site (no public view configured), on the page or the API.
        await Assertions.Expect(page.Locator("#signin")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#control")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#view-live")).ToBeHiddenAsync();
        await using (var stranger = await Playwright.APIRequest.NewContextAsync())
            foreach (string api in (string[])["api/overview", "api/register", "api/tickets.csv", "api/trend?device=boiler-ctrl&point=supply_setpoint"])
                Assert.Equal(401, (await stranger.GetAsync(new Uri(address, api).ToString())).Status);
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("sam");
        await page.GetByLabel("Password").FillAsync("wrong");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("Wrong name or password");

        await page.GetByLabel("Password").FillAsync("correct-horse-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator("#me")).ToHaveTextAsync("Signed in as sam (technician)");
        await Assertions.Expect(page.Locator("#view-live")).ToBeVisibleAsync();
        var row = page.Locator("[data-write='boiler-ctrl/supply_setpoint']");
        await Assertions.Expect(row).ToContainTextAsync("供水温度设定");

        // The write asks first; dismissed, nothing is written.
        page.Dialog += async (_, dialog) =>
        {
            if (dialog.Message.Contains("to 47.5", StringComparison.Ordinal) || dialog.Message.Contains("Run reset_fault on pump-drive", StringComparison.Ordinal))
                await dialog.AcceptAsync();
            else
                await dialog.DismissAsync();
        };
        await row.GetByLabel("new value of supply_setpoint").FillAsync("45");
        await row.GetByRole(AriaRole.Button, new() { Name = "Set" }).ClickAsync();
        await row.GetByLabel("new value of supply_setpoint").FillAsync("47.5");
        await row.GetByRole(AriaRole.Button, new() { Name = "Set" }).ClickAsync();
        await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("boiler-ctrl/supply_setpoint: 47.5 written and read back");
        Assert.Equal(475, store[1].GetRegister(ModbusTable.HoldingRegisters, 20));
        await Assertions.Expect(row.Locator("[data-now]")).ToHaveTextAsync("47.50 °C");
        var audit = await gateway.Services.GetRequiredService<FacilityGateway.Outbox.OutboxService>().Outbox.LoadStateAsync("write", CancellationToken.None);
        var entry = Assert.Single(audit).Json;

        // A named command of the drive's profile, with its confirmation: the control word goes through the reset edge.
        await page.Locator("[data-command='pump-drive/reset_fault']").GetByRole(AriaRole.Button).ClickAsync();
        await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("pump-drive: reset_fault done: 2 write(s) read back");
        Assert.Equal(1150, store[2].GetRegister(ModbusTable.HoldingRegisters, 0));
        Assert.Contains("\"by\":\"sam\"", entry, StringComparison.Ordinal);
        Assert.Contains("\"channel\":\"dashboard\"", entry, StringComparison.Ordinal);

        // A viewer signs in and sees no controls; the API refuses a write without a session.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("vic");
        await page.GetByLabel("Password").FillAsync("viewer-password-2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator("#me")).ToHaveTextAsync("Signed in as vic (viewer)");
        await Assertions.Expect(page.Locator("#control")).ToBeHiddenAsync();
        // With the viewer's session (the page's cookies) the API refuses the write, and says why.
        var asViewer = await page.APIRequest.PostAsync(new Uri(address, "/api/writes").ToString(), new() { DataObject = new { device = "boiler-ctrl", point = "supply_setpoint", value = 50 } });
        Assert.Equal(409, asViewer.Status);
        Assert.Contains("vic may not write", await asViewer.TextAsync(), StringComparison.OrdinalIgnoreCase);
        var anonymous = await Playwright.APIRequest.NewContextAsync();
        var refused = await anonymous.PostAsync(new Uri(address, "/api/writes").ToString(), new() { DataObject = new { device = "boiler-ctrl", point = "supply_setpoint", value = 50 } });
        Assert.Equal(401, refused.Status);

        // Sign-in is rate-limited per address: guessing stops at five tries a minute.
        var statuses = new List<int>();
        for (int i = 0; i < 6; i++)
            statuses.Add((await anonymous.PostAsync(new Uri(address, "/api/signin").ToString(), new() { DataObject = new { person = "sam", password = $"guess-{i}" } })).Status);
        Assert.Contains(429, statuses);
        Directory.Delete(Path.GetDirectoryName(passwords)!, recursive: true);
    }

    [Fact]
    public async Task Engineer_SeesWhatMaintenanceIsDue_AndATaskComingDueShowsItsTicket()
    {
        var (store, server) = await PlantAsync();
        await using var _ = server;
        await using var gateway = await GatewayUnderTest.StartAsync($$"""
            gateway: { id: plantroom, site: riverside }
            logging: { level: warning }
            assets:
              - id: pump-1
                name: Booster pump 1
                type: pump
                running: drive/running
                initial_run_hours: 1000
                maintenance:
                  - { task: Check coupling, every_starts: 1 }
                  - { task: Inspect mechanical seal, every_run_hours: 2000, last_done_run_hours: 500 }
                  - { task: Check vessel pre-charge, every: 3650d }
              - id: extinguishers
                name: Fire extinguishers, plant room
                type: other
                maintenance: [{ task: Inspect extinguishers, every: 365d }]
            devices:
              - { id: drive, asset: pump-1, endpoint: "tcp://127.0.0.1:{{server.LocalEndPoint.Port}}", unit: 1, interval: 200ms, points: [{ id: running, coil: 1 }] }
            dashboard: { enabled: true, listen: "127.0.0.1:0", action_token: {{Token}} }
            """);
        var page = await Browser.NewPageAsync();
        await page.GotoAsync(gateway.Services.GetRequiredService<DashboardService>().Address!.ToString());

        // What is left until each task is due: starts, run hours (counted from when it was last done), a date.
        await Assertions.Expect(page.Locator("[data-maintenance='Check coupling']")).ToContainTextAsync("next in 1 starts");
        await Assertions.Expect(page.Locator("[data-maintenance='Inspect mechanical seal']")).ToContainTextAsync("next in 1500 h");
        await Assertions.Expect(page.Locator("[data-maintenance='Check vessel pre-charge']")).ToContainTextAsync("next in ");
        // Equipment with a calendar plan and nothing to read still has its card, without run hours it does not count.
        await Assertions.Expect(page.Locator("[data-asset='extinguishers'] [data-maintenance='Inspect extinguishers']")).ToContainTextAsync("next in ");
        await Assertions.Expect(page.Locator("[data-usage='extinguishers']")).ToHaveCountAsync(0);

        // The pump starts: the coupling check comes due, and the plan shows its ticket.
        store[1].SetBits(ModbusTable.Coils, 1, [true]);
        var ticket = page.Locator("#tickets tr[data-ticket]");
        await Assertions.Expect(ticket).ToContainTextAsync("Maintenance due: Check coupling");
        string id = (await ticket.GetAttributeAsync("data-ticket"))!;
        await Assertions.Expect(page.Locator("[data-maintenance='Check coupling']")).ToContainTextAsync($"due now · {id}");
        await Assertions.Expect(page.Locator("[data-usage='pump-1']")).ToContainTextAsync("· 1");

        // The extinguishers were inspected during the visit: Done records it, resolved, in the asset's history.
        await page.GetByLabel("Your name").FillAsync("sam");
        await page.GetByLabel("Action token").FillAsync(Token);
        await page.Locator("[data-maintenance='Inspect extinguishers']").GetByRole(AriaRole.Button, new() { Name = "Done" }).ClickAsync();
        var recorded = page.Locator("#tickets tr[data-ticket]", new() { HasText = "Maintenance done: Inspect extinguishers" });
        await Assertions.Expect(recorded).ToHaveAttributeAsync("data-state", "resolved");
        var history = gateway.Services.GetRequiredService<AlarmEngine>().OpenTickets.Single(t => t.Message == "Maintenance done: Inspect extinguishers");
        Assert.Contains(history.Audit, a => a is { Action: "resolve", By: "sam", Note: "from the dashboard" });
    }

    [Fact]
    public async Task WithAPublicView_ReadingsShowWithoutSignIn_ButActingStillNeedsIt()
    {
        var (_, server) = await PlantAsync();
        await using var _ = server;
        string passwords = Path.Combine(Directory.CreateTempSubdirectory("fg-passwords-").FullName, "dashboard-passwords");
        await File.WriteAllLinesAsync(passwords, [DashboardPeople.HashLine("sam", "correct-horse-1")]);
        await using var gateway = await GatewayUnderTest.StartAsync(Yaml(server.LocalEndPoint.Port, withToken: false).Replace(
            "listen: \"127.0.0.1:0\"", $"listen: \"127.0.0.1:0\", public_view: true, passwords_file: {passwords}", StringComparison.Ordinal)
            + "\non_call: { primary: [sam], contacts: { sam: { name: Sam } } }\n");
        var address = gateway.Services.GetRequiredService<DashboardService>().Address!;
        var page = await Browser.NewPageAsync();
        await page.GotoAsync(address.ToString());
        await Assertions.Expect(page.Locator("[data-point='meter/voltage_l1']")).ToContainTextAsync("230.5 V");
        await Assertions.Expect(page.Locator("#signin")).ToBeVisibleAsync();
        var refused = await page.APIRequest.PostAsync(new Uri(address, "api/tickets/T-1/ack").ToString(), new() { DataObject = new { by = "mallory" } });
        Assert.Equal(403, refused.Status);
    }

    [Fact]
    public async Task ChineseAccentedAndEmojiNames_ShowIntactOnThePage_TheirTicketToo()
    {
        var (store, server) = await PlantAsync();
        await using var _ = server;
        await using var gateway = await GatewayUnderTest.StartAsync($$"""
            gateway: { id: 一号机房, site: 滨江花园 }
            logging: { level: warning }
            assets:
              - { id: 水箱间, name: "三号楼 水箱间 💧", type: leak_zone, location: { building: 三号楼, room: 水箱间 }, team: 机电组 }
            devices:
              - { id: 漏水模块, asset: 水箱间, endpoint: "tcp://127.0.0.1:{{server.LocalEndPoint.Port}}", unit: 2, interval: 200ms, points: [{ id: probe, name: Sonde sous les réservoirs, coil: 0, alarms: [{ type: state, state: 1, on_delay: 0s, latched: true, priority: P1, message: 水箱下方漏水 }] }] }
            dashboard: { enabled: true, listen: "127.0.0.1:0" }
            """);
        var address = gateway.Services.GetRequiredService<DashboardService>().Address!;
        var page = await Browser.NewPageAsync();
        await page.GotoAsync(address.ToString());
        await Assertions.Expect(page.Locator("#title")).ToHaveTextAsync("FacilityGateway · 滨江花园 / 一号机房");
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("三号楼 水箱间 💧");
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("Sonde sous les réservoirs");
        store[2].SetBits(ModbusTable.Coils, 0, [true]);
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("水箱下方漏水", new() { Timeout = 20_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "unicode-names.png"), FullPage = true });
    }

    [Fact]
    public async Task WithoutAnActionToken_TheDashboardIsReadOnly()
    {
        var (store, server) = await PlantAsync();
        await using var _ = server;
        await using var gateway = await GatewayUnderTest.StartAsync(Yaml(server.LocalEndPoint.Port, withToken: false));
        var address = gateway.Services.GetRequiredService<DashboardService>().Address!;
        var page = await Browser.NewPageAsync();
        await page.GotoAsync(address.ToString());

        store[2].SetBits(ModbusTable.Coils, 0, [true]);
        var row = page.Locator("#tickets tr[data-ticket]");
        await Assertions.Expect(row).ToContainTextAsync("Water leak under the tanks");
        await Assertions.Expect(row.GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#who")).ToBeHiddenAsync();

        // The API refuses actions too, not only the page.
        var response = await page.APIRequest.PostAsync(new Uri(address, $"api/tickets/{await row.GetAttributeAsync("data-ticket")}/ack").ToString(),
            new() { DataObject = new { by = "mallory" }, Headers = new Dictionary<string, string> { ["Authorization"] = "Bearer anything" } });
        Assert.Equal(403, response.Status);
        Assert.Equal(TicketState.Open, Assert.Single(gateway.Services.GetRequiredService<AlarmEngine>().OpenTickets).State);
    }
}
