using System.Globalization;
using FacilityGateway.Cli;
using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;

namespace FacilityGateway.IntegrationTests;

/// <summary>An installer edits the YAML of a running gateway and reloads it: the real process, its CLI and SIGHUP.</summary>
public sealed class ReloadTests
{
    private static string Executable => Path.Combine(AppContext.BaseDirectory, "facility-gateway.dll");

    private static string Config(int meterPort, int? pumpPort, int monitoringPort) => $$"""
        gateway: { id: gw, site: site }
        assets: [{ id: tank, name: 水箱间, type: leak_zone }, { id: pump, name: Pump, type: pump }]
        devices:
          - { id: panel, asset: tank, endpoint: "tcp://127.0.0.1:{{meterPort}}", unit: 1, interval: 100ms, points: [{ id: probe, coil: 0, meaning: leak, alarms: [{ type: state, state: 1, message: 水箱下方漏水 }] }] }
        {{(pumpPort is { } port ? $"  - {{ id: drive, asset: pump, endpoint: \"tcp://127.0.0.1:{port}\", unit: 1, interval: 100ms, points: [{{ id: hz, holding: 0 }}] }}" : "")}}
        monitoring: { enabled: true, listen: "127.0.0.1:{{monitoringPort}}" }
        """;

    [Fact]
    public async Task Reload_GoodEdit_AddsTheDeviceInTheSameProcess_KeepingTheOpenTicket_BadEdit_RunsOnTheLastGood_WithFileAndLine()
    {
        var panelStore = new ModbusDataStore(1);
        await using var panel = new ModbusTcpServer(panelStore);
        panel.Start();
        await using var drive = new ModbusTcpServer(new ModbusDataStore(1));
        drive.Start();
        int monitoring = FreePort.Next();
        string directory = Directory.CreateTempSubdirectory("fg-reload-").FullName;
        string config = Path.Combine(directory, "gateway.yaml");
        await File.WriteAllTextAsync(config, Config(panel.LocalEndPoint.Port, null, monitoring));
        try
        {
            await using var gateway = PeerProcess.Start("dotnet", Executable, "run", "--config", config);
            await gateway.WaitForLineAsync(l => l.Contains("Application started", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            panelStore[1].SetBits(ModbusTable.Coils, 0, [true]);
            string opened = await gateway.WaitForLineAsync(l => l.Contains("opened: P1 水箱间: 水箱下方漏水", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            string ticket = opened[opened.IndexOf("T-", StringComparison.Ordinal)..].Split(' ')[0];

            // A good edit: a new device. The CLI checks the file, then signals the gateway that holds the data directory.
            await File.WriteAllTextAsync(config, Config(panel.LocalEndPoint.Port, drive.LocalEndPoint.Port, monitoring));
            var output = new StringWriter();
            var error = new StringWriter();
            Assert.True(await GatewayCommands.InvokeAsync(["reload", "--config", config], output, error) == ExitCodes.Ok, error.ToString());
            await gateway.WaitForLineAsync(l => l.Contains("reloaded: 2 device(s)", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            for (int i = 0; i < 300 && drive.Requests < 3; i++)
                await Task.Delay(20);
            Assert.True(drive.Requests >= 3, $"the added device is not polled\n{gateway.Output}");
            Assert.False(gateway.HasExited, gateway.Output);
            // The leak is still active: its ticket carried over, no second one.
            await gateway.WaitForLineAsync(l => l.Contains("Application started", StringComparison.Ordinal), TimeSpan.FromSeconds(30)); // the new pipeline
            var list = new StringWriter();
            Assert.Equal(0, await GatewayCommands.InvokeAsync(["tickets", "list", "--config", config], list, new StringWriter()));
            Assert.Contains(ticket, list.ToString(), StringComparison.Ordinal);
            Assert.Single(gateway.Output.Split('\n'), l => l.Contains("opened: P1 水箱间", StringComparison.Ordinal));

            // A bad edit, by SIGHUP as systemctl reload sends it: refused with file and line, the gateway polls on.
            await File.WriteAllTextAsync(config, Config(panel.LocalEndPoint.Port, drive.LocalEndPoint.Port, monitoring).Replace("asset: pump", "asset: nowhere", StringComparison.Ordinal));
            using (var hup = System.Diagnostics.Process.Start("kill", ["-HUP", gateway.ProcessId.ToString(CultureInfo.InvariantCulture)]))
                await hup.WaitForExitAsync();
            string refused = await gateway.WaitForLineAsync(l => l.Contains("Reload refused: ", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            Assert.Contains("gateway.yaml:5:", refused, StringComparison.Ordinal);
            Assert.Contains("unknown asset 'nowhere'", refused, StringComparison.Ordinal);
            await gateway.WaitForLineAsync(l => l.Contains("runs on the last good one", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
            long before = drive.Requests;
            for (int i = 0; i < 300 && drive.Requests < before + 3; i++)
                await Task.Delay(20);
            Assert.True(drive.Requests >= before + 3, "the gateway stopped polling after a refused reload");
            using var http = new HttpClient();
            string metrics = await http.GetStringAsync($"http://127.0.0.1:{monitoring}/metrics");
            Assert.Contains("facility_gateway_config_reloads_total{otel_scope_name=\"FacilityGateway\",result=\"refused\"} 1", metrics, StringComparison.Ordinal);
            Assert.Contains("facility_gateway_config_last_reload_refused{otel_scope_name=\"FacilityGateway\"} 1", metrics, StringComparison.Ordinal);

            // The CLI refuses the bad file itself, where the installer is.
            var cliError = new StringWriter();
            Assert.Equal(ExitCodes.ConfigurationError, await GatewayCommands.InvokeAsync(["reload", "--config", config], new StringWriter(), cliError));
            Assert.Contains("unknown asset 'nowhere'", cliError.ToString(), StringComparison.Ordinal);

            // The leak panel is taken out of the configuration: nothing would ever clear its ticket, so it is resolved,
            // with a note that says why.
            await File.WriteAllTextAsync(config, Config(panel.LocalEndPoint.Port, drive.LocalEndPoint.Port, monitoring)
                .Replace("  - { id: panel,", "  # - { id: panel,", StringComparison.Ordinal));
            Assert.True(await GatewayCommands.InvokeAsync(["reload", "--config", config], new StringWriter(), error) == ExitCodes.Ok, error.ToString());
            string resolved = await gateway.WaitForLineAsync(l => l.Contains($"Ticket {ticket} resolved", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            Assert.Contains("panel/probe is no longer in the configuration", resolved, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Reload_AChangedDevice_RestartsOnlyItsLine_TheOtherLineKeepsPollingOnItsConnection()
    {
        await using var panel = new ModbusTcpServer(new ModbusDataStore(1));
        panel.Start();
        await using var drive = new ModbusTcpServer(new ModbusDataStore(1));
        drive.Start();
        string directory = Directory.CreateTempSubdirectory("fg-reload-line-").FullName;
        string config = Path.Combine(directory, "gateway.yaml");
        string original = Config(panel.LocalEndPoint.Port, drive.LocalEndPoint.Port, FreePort.Next());
        await File.WriteAllTextAsync(config, original);
        try
        {
            await using var gateway = PeerProcess.Start("dotnet", Executable, "run", "--config", config);
            await gateway.WaitForLineAsync(l => l.Contains("Application started", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            await WaitForRequestsAsync(drive, 3, gateway);
            await WaitForRequestsAsync(panel, 3, gateway);
            Assert.Equal((1, 1), (panel.AcceptedConnections, drive.AcceptedConnections));

            // The drive's register changes: its line restarts; the leak panel's line is another and is not touched.
            await File.WriteAllTextAsync(config, original.Replace("holding: 0", "holding: 1", StringComparison.Ordinal));
            var error = new StringWriter();
            Assert.True(await GatewayCommands.InvokeAsync(["reload", "--config", config], new StringWriter(), error) == ExitCodes.Ok, error.ToString());
            string applied = await gateway.WaitForLineAsync(l => l.Contains("Sources on the reloaded configuration", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            Assert.Contains($"kept running [modbus line tcp://127.0.0.1:{panel.LocalEndPoint.Port}]", applied, StringComparison.Ordinal);
            Assert.Contains($"restarted [modbus line tcp://127.0.0.1:{drive.LocalEndPoint.Port}]", applied, StringComparison.Ordinal);
            long panelBefore = panel.Requests;
            long driveBefore = drive.Requests;
            await WaitForRequestsAsync(drive, driveBefore + 3, gateway);
            await WaitForRequestsAsync(panel, panelBefore + 3, gateway);
            Assert.Equal(1, panel.AcceptedConnections); // polled on, on the connection it had: never stopped
            Assert.Equal(2, drive.AcceptedConnections); // the changed line's new version connected afresh
            Assert.False(gateway.HasExited, gateway.Output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task WaitForRequestsAsync(ModbusTcpServer server, long requests, PeerProcess gateway)
    {
        for (int i = 0; i < 500 && server.Requests < requests; i++)
            await Task.Delay(20);
        Assert.True(server.Requests >= requests, $"the server on port {server.LocalEndPoint.Port} got {server.Requests} request(s), not {requests}\n{gateway.Output}");
    }

    [Fact]
    public async Task AReload_ReachesAGatewayStartedWithSighupIgnored_AsNohupStartsIt()
    {
        // Regression: started with SIGHUP ignored (nohup; the CI runner on a fresh machine), .NET kept it ignored and every
        // reload request vanished without a word.
        await using var panel = new ModbusTcpServer(new ModbusDataStore(1));
        panel.Start();
        string directory = Directory.CreateTempSubdirectory("fg-reload-nohup-").FullName;
        string config = Path.Combine(directory, "gateway.yaml");
        await File.WriteAllTextAsync(config, Config(panel.LocalEndPoint.Port, null, FreePort.Next()));
        try
        {
            await using var gateway = PeerProcess.Start("nohup", "dotnet", Executable, "run", "--config", config);
            await gateway.WaitForLineAsync(l => l.Contains("Application started", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            var error = new StringWriter();
            Assert.True(await GatewayCommands.InvokeAsync(["reload", "--config", config], new StringWriter(), error) == ExitCodes.Ok, error.ToString());
            await gateway.WaitForLineAsync(l => l.Contains("reloaded: 1 device(s)", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            Assert.False(gateway.HasExited, gateway.Output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
