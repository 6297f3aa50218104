using System.Diagnostics;
using System.Globalization;
using FacilityGateway.Cli;
using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Modbus.Codec;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;

namespace FacilityGateway.IntegrationTests;

/// <summary>The gateway as an installer and systemd see it: the real executable, its exit codes, its tools.</summary>
public sealed class GatewayProcessTests
{
    private static string Executable => Path.Combine(AppContext.BaseDirectory, "facility-gateway.dll");

    [Fact]
    public async Task Run_StopsCleanlyOnSigterm_WithinAFewSeconds_ExitCode0()
    {
        await using var site = await OneDeviceSite.CreateAsync();
        await using var gateway = PeerProcess.Start("dotnet", Executable, "run", "--config", site.ConfigPath);
        await gateway.WaitForLineAsync(l => l.Contains("Application started", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        await site.WaitForPollsAsync();

        var stopping = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", gateway.ProcessId.ToString(CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        int code = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(10));
        Assert.True(code == ExitCodes.Ok, $"exit code {code}\n{gateway.Output}");
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5), $"took {stopping.Elapsed} to stop");
        Assert.Contains("Application is shutting down", gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ReexecutesItselfOnce_WithTheMeasuredRuntimeSettings_KeepingItsProcessId_AndTheOperatorsOwnValues()
    {
        // The shipped figures (docs/PERFORMANCE.md) hold whatever starts the gateway, not only under the systemd unit.
        await using var site = await OneDeviceSite.CreateAsync();
        var environment = new Dictionary<string, string> { ["DOTNET_GCgen0size"] = "0x400000" };
        await using var gateway = PeerProcess.StartWith(site.Directory, environment, "dotnet", Executable, "run", "--config", site.ConfigPath);
        await gateway.WaitForLineAsync(l => l.Contains("Application started", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        await site.WaitForPollsAsync();
        // The process that polls is the one that was started (systemd's main PID), now with the settings.
        var variables = (await File.ReadAllTextAsync($"/proc/{gateway.ProcessId}/environ")).Split('\0');
        Assert.Contains("FACILITY_GATEWAY_RUNTIME_SETTINGS=applied", variables);
        Assert.Contains("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1", variables);
        Assert.Contains("DOTNET_EnableWriteXorExecute=0", variables);
        Assert.Contains("DOTNET_GCgen0size=0x400000", variables); // the operator's value, not ours
        Assert.DoesNotContain("DOTNET_GCgen0size=200000", variables);
    }

    [Fact]
    public async Task Run_AfterReexecuting_AnswersOnItsDiagnosticsSocket_SoCountersAndDumpsReachIt()
    {
        // Regression: the socket file of the runtime before execve stayed, the new runtime could not bind its own, and
        // dotnet-counters, dotnet-dump and ClrMD were refused by the shipped gateway ("connection refused").
        await using var site = await OneDeviceSite.CreateAsync();
        await using var gateway = PeerProcess.Start("dotnet", Executable, "run", "--config", site.ConfigPath);
        await gateway.WaitForLineAsync(l => l.Contains("Application started", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        var variables = (await File.ReadAllTextAsync($"/proc/{gateway.ProcessId}/environ")).Split('\0');
        Assert.Contains("FACILITY_GATEWAY_RUNTIME_SETTINGS=applied", variables);
        string socket = Assert.Single(Directory.GetFiles(Path.GetTempPath(), $"dotnet-diagnostic-{gateway.ProcessId}-*-socket"));
        using var client = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        await client.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(socket));
        Assert.True(client.Connected);
    }

    [Fact]
    public async Task RelativeDataDirectory_RunFromAnotherWorkingDirectory_KeepsTheOutboxBesideTheConfiguration()
    {
        // Regression: data_directory 'data' was resolved against the working directory, so a copy of a configuration
        // run from the repository root opened the outbox that lay there and sent its records on.
        var store = new ModbusDataStore(1);
        await using var server = new ModbusTcpServer(store);
        server.Start();
        string site = Directory.CreateTempSubdirectory("fg-site-").FullName;
        string elsewhere = Directory.CreateTempSubdirectory("fg-cwd-").FullName;
        string config = Path.Combine(site, "gateway.yaml");
        await File.WriteAllTextAsync(config, $$"""
            gateway: { id: gw, site: site, data_directory: state }
            assets: [{ id: a, name: A, type: meter }]
            devices: [{ id: d, asset: a, endpoint: "tcp://127.0.0.1:{{server.LocalEndPoint.Port}}", unit: 1, interval: 100ms, points: [{ id: p, holding: 0 }] }]
            """);
        try
        {
            var (code, output) = await PeerProcess.RunAsync(TimeSpan.FromSeconds(30), "dotnet", [Executable, "validate", "--config", config], elsewhere);
            Assert.True(code == ExitCodes.Ok, output);
            await using (var gateway = PeerProcess.StartIn(elsewhere, "dotnet", Executable, "run", "--config", config))
            {
                await gateway.WaitForLineAsync(l => l.Contains("Application started", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
                await WaitForRequestsAsync(server);
            }
            Assert.True(File.Exists(Path.Combine(site, "state", "outbox.db")), "the outbox is beside the configuration, in its data_directory");
            Assert.False(Directory.Exists(Path.Combine(elsewhere, "state")), "nothing is written in the working directory");
        }
        finally
        {
            Directory.Delete(site, recursive: true);
            Directory.Delete(elsewhere, recursive: true);
        }
    }

    [Fact]
    public async Task CorruptOutboxFile_IsMovedAside_TheGatewayPolls_AndOneTicketSaysWhatWasLost_InsteadOfARestartLoop()
    {
        var store = new ModbusDataStore(1);
        await using var server = new ModbusTcpServer(store);
        server.Start();
        string site = Directory.CreateTempSubdirectory("fg-corrupt-").FullName;
        string config = Path.Combine(site, "gateway.yaml");
        await File.WriteAllTextAsync(config, $$"""
            gateway: { id: gw, site: site }
            assets: [{ id: a, name: A, type: meter }]
            devices: [{ id: d, asset: a, endpoint: "tcp://127.0.0.1:{{server.LocalEndPoint.Port}}", unit: 1, interval: 100ms, points: [{ id: p, holding: 0 }] }]
            """);
        Directory.CreateDirectory(Path.Combine(site, "data"));
        var garbage = new byte[64 * 1024];
        new Random(7).NextBytes(garbage); // an SD card's bad block where the file was
        await File.WriteAllBytesAsync(Path.Combine(site, "data", "outbox.db"), garbage);
        try
        {
            await using (var gateway = PeerProcess.Start("dotnet", Executable, "run", "--config", config))
            {
                await gateway.WaitForLineAsync(l => l.Contains("Application started", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
                await WaitForRequestsAsync(server);
                await gateway.WaitForLineAsync(l => l.Contains("opened: P2 gateway: The outbox file was corrupt", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
                // Stored beside the new file's records (the list reads the outbox file while the gateway runs).
                var output = new StringWriter();
                for (int i = 0; i < 100 && !output.ToString().Contains("The outbox file was corrupt", StringComparison.Ordinal); i++)
                {
                    output = new StringWriter();
                    Assert.Equal(0, await GatewayCommands.InvokeAsync(["tickets", "list", "--config", config], output, new StringWriter()));
                    await Task.Delay(100);
                }
                Assert.Contains("The outbox file was corrupt", output.ToString(), StringComparison.Ordinal);
            }
            var movedAside = Assert.Single(Directory.GetFiles(Path.Combine(site, "data"), "outbox.db.corrupt-*"));
            Assert.Equal(garbage, await File.ReadAllBytesAsync(movedAside)); // kept as it was, for analysis
        }
        finally
        {
            Directory.Delete(site, recursive: true);
        }
    }

    [Fact]
    public async Task LogLines_CarryChineseNamesIntact()
    {
        string directory = Directory.CreateTempSubdirectory("fg-log-").FullName;
        string config = Path.Combine(directory, "gateway.yaml");
        await File.WriteAllTextAsync(config, """
            gateway: { id: 一号机房, site: 滨江花园 }
            assets: [{ id: 水泵, name: 三号楼生活水泵, type: pump }]
            devices: [{ id: 变频器, asset: 水泵, endpoint: "tcp://127.0.0.1:1", unit: 1, interval: 100ms, points: [{ id: 频率, holding: 0 }] }]
            """);
        try
        {
            await using var gateway = PeerProcess.Start("dotnet", Executable, "run", "--config", config);
            string line = await gateway.WaitForLineAsync(l => l.Contains("opened: P2 三号楼生活水泵: Device 变频器 does not answer", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            Assert.Contains("Ticket T-", line, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("brackets", "nested more than 64 levels deep")]
    [InlineData("aliases", "expands to more than 200,000 values")]
    [InlineData("findings", "more than 200 findings: the rest are not shown")]
    public async Task HostileConfiguration_IsOneClearError_Exit2_NotAStackOverflowOrAMillionLines(string shape, string expected)
    {
        // Regression: 400 KB of '[' overflowed the stack (exit 134, and systemd restarted it for ever); a small file of
        // aliases gave 600,000 error lines, 570 MB and 12.6 s.
        string directory = Directory.CreateTempSubdirectory("fg-hostile-").FullName;
        string config = Path.Combine(directory, "gateway.yaml");
        string devices = string.Join(", ", Enumerable.Repeat("*d", 20_000));
        await File.WriteAllTextAsync(config, shape switch
        {
            "brackets" => "gateway: { id: gw, site: site }\nassets: " + new string('[', 400_000) + "\n",
            "aliases" => "gateway: { id: gw, site: site }\nassets: [{ id: a, name: A, type: meter }]\n"
                + "devices:\n  - &d { id: d, asset: a, endpoint: \"tcp://127.0.0.1:1\", unit: 1, interval: 1s, timeout: 1s, points: [{ id: p, holding: 0, unit: kW, scale: 1, offset: 0 }, { id: q, holding: 2, unit: kW }] }\n"
                + $"  - [{devices}]\n".Replace("[", "", StringComparison.Ordinal).Replace("]", "", StringComparison.Ordinal).Replace(", ", "\n  - ", StringComparison.Ordinal),
            _ => "gateway: { id: gw, site: site }\nassets:\n" + string.Concat(Enumerable.Range(0, 1000).Select(i => $"  - {{ id: a{i}, name: A, type: meter, colour: red }}\n")),
        });
        try
        {
            var (code, output) = await PeerProcess.RunAsync(TimeSpan.FromSeconds(60), "dotnet", Executable, "validate", "--config", config);
            Assert.True(code == ExitCodes.ConfigurationError, $"exit code {code}\n{output[..Math.Min(output.Length, 2000)]}");
            Assert.Contains(expected, output, StringComparison.Ordinal);
            Assert.Contains("gateway.yaml:", output, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
            Assert.True(output.Split('\n').Length < 1000, $"{output.Split('\n').Length} lines of output");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Run_WithBrokenConfig_Exits2_AndPrintsNoStackTrace()
    {
        string directory = Directory.CreateTempSubdirectory("fg-run-").FullName;
        string config = Path.Combine(directory, "gateway.yaml");
        await File.WriteAllTextAsync(config, "gateway: { id: gw, site: site }\ndevices:\n  - { id: d, asset: nowhere, endpoint: tcp://127.0.0.1:1, unit: 1, points: [{ id: p, holding: 0 }] }\n");
        try
        {
            var (code, output) = await PeerProcess.RunAsync(TimeSpan.FromSeconds(30), "dotnet", Executable, "run", "--config", config);
            Assert.Equal(ExitCodes.ConfigurationError, code);
            Assert.Contains("gateway.yaml:3:", output, StringComparison.Ordinal);
            Assert.Contains("unknown asset 'nowhere'", output, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task ModbusRead_PrintsDecodedValues()
    {
        var store = new ModbusDataStore(4);
        var registers = new ushort[4];
        ModbusValueCodec.EncodeDouble(49.95, new RegisterFormat(ModbusDataType.Float32, ByteOrder.CDAB), registers);
        ModbusValueCodec.EncodeDouble(230.1, new RegisterFormat(ModbusDataType.Float32, ByteOrder.CDAB), registers.AsSpan(2));
        store[4].SetRegisters(ModbusTable.InputRegisters, 70, registers);
        await using var server = new ModbusTcpServer(store);
        server.Start();

        var output = new StringWriter();
        var error = new StringWriter();
        int code = await GatewayCommands.InvokeAsync(["modbus", "read", $"tcp://127.0.0.1:{server.LocalEndPoint.Port}", "--unit", "4", "--table", "input",
            "--address", "70", "--count", "2", "--type", "float32", "--byte-order", "CDAB"], output, error);
        Assert.True(code == 0, error.ToString());
        Assert.Contains("input 70: 49.9500008", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("input 72: 230.100006", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModbusRead_Repeat_ReadsOnOneConnection_AndCountsFailuresByReason()
    {
        var store = new ModbusDataStore(1);
        store[1].Define(ModbusTable.HoldingRegisters, 0, 10);
        store[1].SetRegister(ModbusTable.HoldingRegisters, 3, 1234);
        await using var server = new ModbusTcpServer(store);
        server.Start();
        string endpoint = $"tcp://127.0.0.1:{server.LocalEndPoint.Port}";

        var output = new StringWriter();
        int code = await GatewayCommands.InvokeAsync(["modbus", "read", endpoint, "--address", "3", "--repeat", "50"], output, new StringWriter());
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("50 reads, 0 failed; round trip p50 ", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("holding 3: 1234", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(1L, server.AcceptedConnections);

        output = new StringWriter();
        var error = new StringWriter();
        code = await GatewayCommands.InvokeAsync(["modbus", "read", endpoint, "--address", "500", "--repeat", "20"], output, error);
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Matches(@"20 reads, 20 failed \(20 \w+\)", output.ToString());
    }

    [Fact]
    public async Task ModbusRead_IllegalAddress_SaysSo_Exit1()
    {
        var store = new ModbusDataStore(1);
        store[1].Define(ModbusTable.HoldingRegisters, 0, 10);
        await using var server = new ModbusTcpServer(store);
        server.Start();
        var error = new StringWriter();
        int code = await GatewayCommands.InvokeAsync(["modbus", "read", $"tcp://127.0.0.1:{server.LocalEndPoint.Port}", "--address", "500"], new StringWriter(), error);
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("IllegalDataAddress", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModbusScan_ListsTheUnitsThatAnswer_OnASerialServerOverTcp()
    {
        var store = new ModbusDataStore(3, 17);
        store[17].Define(ModbusTable.HoldingRegisters, 100, 1); // answers holding 0 with an exception: still a device
        await using var server = new ModbusTcpServer(store, new ModbusServerOptions { Framing = FacilityGateway.Modbus.Framing.RtuFraming.Instance });
        server.Start();
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await GatewayCommands.InvokeAsync(["modbus", "scan", $"rtu+tcp://127.0.0.1:{server.LocalEndPoint.Port}", "--units", "1-20", "--timeout", "50ms"], output, error);
        Assert.True(code == 0, error.ToString());
        string text = output.ToString();
        Assert.Contains("unit 3: holding 0 = 0", text, StringComparison.Ordinal);
        Assert.Contains("unit 17: answers with exception 02", text, StringComparison.Ordinal);
        Assert.Contains("2 unit(s) answered out of 20", text, StringComparison.Ordinal);
    }

    private static async Task WaitForRequestsAsync(ModbusTcpServer server)
    {
        for (int i = 0; i < 300 && server.Requests < 3; i++)
            await Task.Delay(20);
        Assert.True(server.Requests >= 3, "the gateway did not poll");
    }
}
