using FacilityGateway.Sources.Simulated;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;
using FacilityGateway.Modbus.Transport;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace FacilityGateway.IntegrationTests;

/// <summary>
/// A setpoint written from a technician's phone over MQTT: the broker authenticates the person (its ACL lets each
/// user publish only on their own write topic), the gateway checks role, bounds, step and interlocks, writes through the
/// line's arbiter to a real pymodbus server, reads back, answers with the values before and after, and audits it.
/// </summary>
public sealed class RemoteControlTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private const string People = """
        gateway: { id: gw, site: site }
        logging: { level: warning }
        on_call: { primary: [sam], contacts: { sam: { name: Sam } } }
        control: { people: { sam: technician } }
        assets: [{ id: plant, name: Plant room, type: other }]
        """;

    private static Task<FacilityGateway.Commands.Writes.WriteAnswer> WriteAsync(GatewayUnderTest gateway, string device, string point, double value) =>
        gateway.Services.GetRequiredService<FacilityGateway.Commands.Writes.PointWrites>()
            .WriteAsync(new FacilityGateway.Commands.Writes.WriteRequest("sam", device, point, value, "test", null), "test", CancellationToken.None);

    [Fact]
    public async Task Write_OverRtuOnAPseudoTerminal_LandsInPymodbus_AndIsReadBack()
    {
        PeerTools.RequirePymodbus();
        await using var line = await PtyPair.OpenAsync();
        await using var pymodbus = PeerProcess.Start(PeerTools.Python, "pymodbus_server.py", "rtu", line.A, "38400");
        await pymodbus.WaitForLineAsync("READY ", Wait);
        await using var gateway = await GatewayUnderTest.StartAsync(People + $$"""

            lines: [{ id: rs485, serial: { device: {{line.B}}, baud: 38400, parity: none }, timeout: 500ms }]
            devices:
              - { id: drive, asset: plant, line: rs485, unit: 1, interval: 300ms, points: [{ id: speed_ref, holding: 910, type: int16, unit: Hz, scale: 0.01, write: { min: -50, max: 50, min_interval: 0s } }] }
            """);
        await gateway.Recorder.WaitForDeviceAsync("drive", 2, Wait);
        var answer = await WriteAsync(gateway, "drive", "speed_ref", -12.34);
        Assert.True(answer.Result.Ok, answer.Result.Message);
        Assert.Equal((0.0, -12.34), (answer.Before, answer.After)); // read back from pymodbus's datastore over the line
        await gateway.Recorder.WaitForAsync(b => b.Any(x => x.Batch.DeviceId == "drive" && x.Batch.Readings[0].Value == -12.34), Wait, "the next poll sees it");
    }

    [Fact]
    public async Task ReadOnlySwitch_RefusesEveryWrite_NothingReachesTheDevice_AndTheRefusalIsAudited()
    {
        var store = new ModbusDataStore(1);
        await using var server = new ModbusTcpServer(store);
        server.Start();
        await using var gateway = await GatewayUnderTest.StartAsync(People.Replace("control: { people:", "control: { read_only: true, people:", StringComparison.Ordinal) + $$"""

            devices:
              - { id: ahu, asset: plant, endpoint: "tcp://127.0.0.1:{{server.LocalEndPoint.Port}}", unit: 1, interval: 200ms, points: [{ id: fan_enable, coil: 3, write: {} }] }
            """);
        await gateway.Recorder.WaitForDeviceAsync("ahu", 2, Wait);
        var answer = await WriteAsync(gateway, "ahu", "fan_enable", 1);
        Assert.False(answer.Result.Ok);
        Assert.Contains("control.read_only is on", answer.Result.Message, StringComparison.Ordinal);
        var coil = new bool[1];
        store[1].GetBits(ModbusTable.Coils, 3, coil);
        Assert.False(coil[0]);
        var audit = await gateway.Services.GetRequiredService<FacilityGateway.Outbox.OutboxService>().Outbox.LoadStateAsync("write", CancellationToken.None);
        Assert.Contains("control.read_only", Assert.Single(audit).Json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GpioOutput_KeepsItsLevelAtStart_IsSwitchedThroughTheChecks_ReadBackFromThePin_AndHeldByItsInterlock()
    {
        // A lighting contactor's relay on pin 5 (active low), already on when the gateway starts; a leak probe on pin 6.
        string yaml = People + """

            devices:
              - { id: lights-l1, kind: gpio_output, driver: simulated, asset: plant, chip: 7, pin: 5, active: low, interval: 1h,
                  write: { roles: [technician], min_interval: 0s, interlocks: [{ point: floor-probe/state, reason: water on the floor }] } }
              - { id: floor-probe, kind: gpio_input, driver: simulated, asset: plant, chip: 7, pin: 6, meaning: leak, debounce: 0ms, interval: 1h,
                  alarms: [{ type: state, state: 1, on_delay: 0s, priority: P1, message: Water on the floor }] }
            """;
        var chips = new FacilityGateway.Sources.Simulated.SimulatedGpio();
        chips.Chip(7).SetInput(5, System.Device.Gpio.PinValue.Low); // on (active low), before the gateway starts
        await using var gateway = await GatewayUnderTest.StartAsync(yaml, services => services.AddSingleton(chips));
        await gateway.Recorder.WaitForDeviceAsync("lights-l1", 1, Wait);
        Assert.Equal(System.Device.Gpio.PinValue.Low, chips.Chip(7).Level(5)); // a start did not switch the lights off
        Assert.Equal(1, gateway.Recorder.Latest("lights-l1").Readings[0].Value);

        var off = await WriteAsync(gateway, "lights-l1", "state", 0);
        Assert.True(off.Result.Ok, off.Result.Message);
        Assert.Equal((1.0, 0.0), (off.Before, off.After));
        Assert.Equal(System.Device.Gpio.PinValue.High, chips.Chip(7).Level(5));
        await gateway.Recorder.WaitForAsync(b => b.Count(x => x.Batch.DeviceId == "lights-l1") >= 2 && gateway.Recorder.Latest("lights-l1").Readings[0].Value == 0, Wait, "the state reported at once");
        Assert.Contains("write 0 or 1", (await WriteAsync(gateway, "lights-l1", "state", 0.5)).Result.Message, StringComparison.Ordinal);

        chips.Chip(7).SetInput(6, System.Device.Gpio.PinValue.High); // water
        await gateway.Recorder.WaitForAsync(_ => gateway.Services.GetRequiredService<FacilityGateway.Alarms.AlarmEngine>().ActiveOn("floor-probe", "state").Count > 0, Wait, "the leak alarm");
        var held = await WriteAsync(gateway, "lights-l1", "state", 1);
        Assert.Contains("interlock: water on the floor", held.Result.Message, StringComparison.Ordinal);
        Assert.Equal(System.Device.Gpio.PinValue.High, chips.Chip(7).Level(5)); // still off
    }

    [Fact]
    public async Task NamedCommand_ResetFaultOfTheAcs580Profile_WritesItsControlWordsInOrder_ThroughTheSameChecks()
    {
        var store = new ModbusDataStore(1);
        await using var drive = new ModbusTcpServer(store);
        drive.Start();
        await using var gateway = await GatewayUnderTest.StartAsync(People + $$"""

            devices:
              - id: pump-drive
                asset: plant
                endpoint: "tcp://127.0.0.1:{{drive.LocalEndPoint.Port}}"
                unit: 1
                interval: 200ms
                profile: abb-acs580
                points:
                  - { id: control_word, write: { values: [1150, 1151, 1278], roles: [technician] } }
            """);
        await gateway.Recorder.WaitForDeviceAsync("pump-drive", 2, Wait);
        var commands = gateway.Services.GetRequiredService<FacilityGateway.Commands.Writes.PointWrites>();

        var reset = await commands.CommandAsync("sam", "pump-drive", "reset_fault", "tripped on overcurrent, checked", "r-9", "test", CancellationToken.None);
        Assert.True(reset.Result.Ok, reset.Result.Message);
        Assert.Equal("reset_fault done: 2 write(s) read back", reset.Result.Message);
        Assert.Equal(1150, store[1].GetRegister(ModbusTable.HoldingRegisters, 0)); // back to ready after the reset edge

        Assert.Contains("has no command 'jog'; its commands: stop, start, reset_fault",
            (await commands.CommandAsync("sam", "pump-drive", "jog", null, null, "test", CancellationToken.None)).Result.Message, StringComparison.Ordinal);
        Assert.Contains("start refused: pump-drive/control_word was written",
            (await commands.CommandAsync("sam", "pump-drive", "start", null, null, "test", CancellationToken.None)).Result.Message, StringComparison.Ordinal);
        Assert.Contains("1234 is not one of the values pump-drive/control_word takes: 1150, 1151, 1278",
            (await WriteAsync(gateway, "pump-drive", "control_word", 1234)).Result.Message, StringComparison.Ordinal);
        var audit = await gateway.Services.GetRequiredService<FacilityGateway.Outbox.OutboxService>().Outbox.LoadStateAsync("write", CancellationToken.None);
        Assert.Contains(audit, r => r.Json.Contains("\"point\":\"reset_fault\"", StringComparison.Ordinal) && r.Json.Contains("\"result\":\"done\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Write_ToAnOfflineDevice_IsRefusedWithTheReason_NothingIsSent()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(People + """

            devices:
              - { id: ahu, asset: plant, endpoint: "tcp://127.0.0.1:1", unit: 1, interval: 100ms, points: [{ id: fan_enable, coil: 3, write: {} }] }
            """);
        await gateway.Recorder.WaitForAsync(b => b.Any(x => x.Batch.DeviceId == "ahu" && x.Batch.Readings.Any(r => r.PointId == "health.online" && r.Value == 0)), Wait, "the device offline");
        var answer = await WriteAsync(gateway, "ahu", "fan_enable", 1);
        Assert.False(answer.Result.Ok);
        Assert.Contains("device ahu is offline", answer.Result.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was written", answer.Result.Message, StringComparison.Ordinal);
    }

    /// <summary>Writes to one device of a shared RS-485 line go between polls: its neighbour keeps its cadence.</summary>
    [Fact]
    public async Task WritesOnASharedRs485Line_GoBetweenPolls_TheNeighbourKeepsItsCadence()
    {
        var store = new ModbusDataStore(1, 2);
        await using var line = await PtyPair.OpenAsync();
        await using var server = new ModbusSerialServer(store, new SerialLineSettings { PortName = line.A, BaudRate = 38400, Parity = System.IO.Ports.Parity.None });
        server.Start();
        const int intervalMs = 250;
        await using var gateway = await GatewayUnderTest.StartAsync(People + $$"""

            lines: [{ id: rs485, serial: { device: {{line.B}}, baud: 38400, parity: none }, timeout: 100ms }]
            devices:
              - { id: pump, asset: plant, line: rs485, unit: 1, interval: {{intervalMs}}ms, points: [{ id: run, coil: 0, write: { min_interval: 0s } }] }
              - { id: meter, asset: plant, line: rs485, unit: 2, interval: {{intervalMs}}ms, points: [{ id: v, holding: 0, type: uint16 }] }
            """);
        await gateway.Recorder.WaitForDeviceAsync("meter", 3, Wait);
        int done = 0;
        for (int i = 0; i < 16; i++)
        {
            var answer = await WriteAsync(gateway, "pump", "run", i % 2);
            Assert.True(answer.Result.Ok, answer.Result.Message);
            var coil = new bool[1];
            store[1].GetBits(ModbusTable.Coils, 0, coil);
            Assert.Equal(i % 2 == 1, coil[0]); // in the device, not only in the answer
            done++;
            await Task.Delay(150);
        }
        Assert.Equal(16, done);
        var times = gateway.Recorder.Batches.Where(b => b.Batch.DeviceId == "meter").Select(b => b.Batch.SampledAt).Skip(3).ToList();
        var periods = times.Zip(times.Skip(1), (a, b) => (b - a).TotalMilliseconds).ToList();
        string all = string.Join(", ", periods.Select(p => p.ToString("F0", CultureInfo.InvariantCulture)));
        output.WriteLine($"meter periods while the pump was written 16 times: {all}");
        double median = periods.Order().ElementAt(periods.Count / 2);
        Assert.InRange(median, intervalMs * 0.9, intervalMs * 1.1);
        Assert.True(periods.Count(p => p > intervalMs * 1.2) <= 1, $"the meter lost its cadence: {all} ms");
    }

    [Fact]
    public async Task MqttWrite_ByAnAllowedTechnician_LandsInPymodbus_ReadBackByMbpoll_OthersAreRefusedWithTheReason_AndEveryAttemptIsAudited()
    {
        PeerTools.RequirePymodbus();
        int modbusPort = FreePort.Next();
        await using var boiler = PeerProcess.Start(PeerTools.Python, "pymodbus_server.py", "tcp", modbusPort.ToString(CultureInfo.InvariantCulture));
        await boiler.WaitForLineAsync("READY ", Wait);
        var leakStore = new ModbusDataStore(1);
        await using var leakPanel = new ModbusTcpServer(leakStore);
        leakPanel.Start();
        // Each person's user may publish only on its own write topic; the gateway's user reads them all.
        await using var broker = await MosquittoBroker.StartAsync(moreUsers: ["sam", "lee", "eve"], acl:
        [
            $"user {MosquittoBroker.User}",
            "topic readwrite #",
            "pattern write facility/+/+/commands/write/%u",
            "pattern readwrite replies/%u/#",
        ]);
        await using var gateway = await GatewayUnderTest.StartAsync($$"""
            gateway: { id: gw, site: site }
            on_call:
              primary: [sam]
              contacts: { sam: { name: 萨姆 }, lee: { name: Lee }, eve: { name: Eve } }
            control:
              people: { sam: technician, lee: installer }
            assets: [{ id: boiler, name: 一号锅炉, type: boiler }, { id: plant, name: Plant room, type: leak_zone }]
            devices:
              - id: boiler-ctrl
                asset: boiler
                endpoint: "tcp://127.0.0.1:{{modbusPort}}"
                unit: 1
                interval: 200ms
                points:
                  - id: supply_setpoint
                    holding: 900
                    type: uint16
                    scale: 0.1
                    unit: °C
                    write: { min: 40, max: 60, step: 0.5, roles: [technician], min_interval: 1h, interlocks: [{ point: leak/probe, reason: water on the plant room floor }] }
                  - { id: flow_limit, holding: 901, unit: "%", write: { min: 0, max: 100, roles: [technician] } }
              - { id: leak, asset: plant, endpoint: "tcp://127.0.0.1:{{leakPanel.LocalEndPoint.Port}}", unit: 1, interval: 200ms, points: [{ id: probe, coil: 0, meaning: leak, alarms: [{ type: state, state: 1, on_delay: 0s, message: Leak }] }] }
            sinks: [{ id: broker, kind: mqtt, host: 127.0.0.1, port: {{broker.Port}}, username: gateway, password: "{{MosquittoBroker.Password}}" }]
            """);
        await gateway.CommandsListening();
        await gateway.Recorder.WaitForDeviceAsync("boiler-ctrl", 2, Wait);
        string writeTopic = "facility/site/gw/commands/write/";

        // Sam, a technician: written, and what the device holds now is what pymodbus's datastore holds.
        var done = await WriteAsync(broker, "sam", writeTopic + "sam", """{"device":"boiler-ctrl","point":"supply_setpoint","value":45.5,"why":"储水温度偏低","request_id":"r-1"}""");
        Assert.True(done.GetProperty("ok").GetBoolean(), done.ToString());
        Assert.Equal("r-1", done.GetProperty("request_id").GetString());
        Assert.Equal(0, done.GetProperty("before").GetDouble());
        Assert.Equal(45.5, done.GetProperty("after").GetDouble());
        var (code, mbpoll) = await PeerProcess.RunAsync(Wait, PeerTools.Require("mbpoll", "mbpoll"), "-m", "tcp", "-p", modbusPort.ToString(CultureInfo.InvariantCulture),
            "-a", "1", "-0", "-1", "-r", "900", "-t", "4", "127.0.0.1");
        Assert.True(code == 0, mbpoll);
        Assert.Contains("[900]: \t455", mbpoll, StringComparison.Ordinal);

        // Refusals, each with its reason, nothing sent.
        Assert.Contains("outside 40..60", await RefusedAsync(broker, "sam", writeTopic + "sam", 70), StringComparison.Ordinal);
        Assert.Contains("not a step of 0.5", await RefusedAsync(broker, "sam", writeTopic + "sam", 45.3), StringComparison.Ordinal);
        Assert.Contains("lee is a installer; boiler-ctrl/supply_setpoint may be written by: technician", await RefusedAsync(broker, "lee", writeTopic + "lee", 50), StringComparison.Ordinal);
        Assert.Contains("eve may not write", await RefusedAsync(broker, "eve", writeTopic + "eve", 50), StringComparison.Ordinal);
        Assert.Contains("was written 0 s ago; wait 3600 s", await RefusedAsync(broker, "sam", writeTopic + "sam", 50), StringComparison.Ordinal);
        leakStore[1].SetBits(ModbusTable.Coils, 0, [true]);
        await gateway.Recorder.WaitForAsync(b => gateway.Services.GetRequiredService<FacilityGateway.Alarms.AlarmEngine>().ActiveOn("leak", "probe").Count > 0, Wait, "the leak alarm");
        Assert.Contains("interlock: water on the plant room floor", await RefusedAsync(broker, "sam", writeTopic + "sam", 50), StringComparison.Ordinal);

        // Sam cannot write as Lee: the broker refuses the publication, so the gateway never sees it.
        using (var impostor = await ConnectAsync(broker, "sam"))
        {
            var published = await impostor.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(writeTopic + "lee")
                .WithPayload("""{"device":"boiler-ctrl","point":"supply_setpoint","value":50}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, published.ReasonCode);
        }
        var (_, unchanged) = await PeerProcess.RunAsync(Wait, PeerTools.Require("mbpoll", "mbpoll"), "-m", "tcp", "-p", modbusPort.ToString(CultureInfo.InvariantCulture),
            "-a", "1", "-0", "-1", "-r", "900", "-t", "4", "127.0.0.1");
        Assert.Contains("[900]: \t455", unchanged, StringComparison.Ordinal);

        // The command line, as a technician on the gateway box: through the gateway, as themselves.
        string passwordFile = Path.Combine(Path.GetDirectoryName(gateway.ConfigPath)!, "sam.password");
        await File.WriteAllTextAsync(passwordFile, MosquittoBroker.Password + "\n");
        var cliOutput = new StringWriter();
        var cliError = new StringWriter();
        Assert.True(await FacilityGateway.Cli.GatewayCommands.InvokeAsync(["write", "boiler-ctrl/flow_limit", "80", "--as", "sam", "--password-file", passwordFile, "--why", "summer", "--config", gateway.ConfigPath],
            cliOutput, cliError) == 0, cliError.ToString());
        Assert.Contains("done: 80 written and read back", cliOutput.ToString(), StringComparison.Ordinal);
        Assert.Contains("before 0, after 80", cliOutput.ToString(), StringComparison.Ordinal);
        cliError = new StringWriter();
        Assert.Equal(1, await FacilityGateway.Cli.GatewayCommands.InvokeAsync(["write", "boiler-ctrl/flow_limit", "90", "--as", "sam", "--password-file", passwordFile, "--config", gateway.ConfigPath],
            new StringWriter(), cliError));
        Assert.Contains("refused the write of boiler-ctrl/flow_limit: boiler-ctrl/flow_limit was written 0 s ago", cliError.ToString(), StringComparison.Ordinal);

        // Eve, an on-call contact with a broker account but no role, is refused through the command line too.
        cliError = new StringWriter();
        Assert.Equal(1, await FacilityGateway.Cli.GatewayCommands.InvokeAsync(["write", "boiler-ctrl/flow_limit", "50", "--as", "eve", "--password-file", passwordFile, "--config", gateway.ConfigPath],
            new StringWriter(), cliError));
        Assert.Contains("eve may not write", cliError.ToString(), StringComparison.Ordinal);

        // A named command from the command line: this controller's profile has none, and the gateway says so.
        cliError = new StringWriter();
        Assert.Equal(1, await FacilityGateway.Cli.GatewayCommands.InvokeAsync(["write", "boiler-ctrl", "--command", "reset_fault", "--as", "sam", "--password-file", passwordFile, "--config", gateway.ConfigPath],
            new StringWriter(), cliError));
        Assert.Contains("refused reset_fault on boiler-ctrl: boiler-ctrl has no command 'reset_fault'", cliError.ToString(), StringComparison.Ordinal);

        // And in the asset's history, beside its tickets.
        var history = new StringWriter();
        Assert.Equal(0, await FacilityGateway.Cli.GatewayCommands.InvokeAsync(["tickets", "list", "--all", "--asset", "boiler", "--config", gateway.ConfigPath], history, new StringWriter()));
        Assert.Contains("boiler-ctrl/supply_setpoint = 45.5  by sam (mqtt broker): done, before 0, after 45.5; why: 储水温度偏低", history.ToString(), StringComparison.Ordinal);
        Assert.Contains("11 write(s)", history.ToString(), StringComparison.Ordinal);

        // Every attempt is in the audit trail, with who, why and the values.
        var audit = (await gateway.Services.GetRequiredService<FacilityGateway.Outbox.OutboxService>().Outbox.LoadStateAsync("write", CancellationToken.None))
            .Select(r => JsonDocument.Parse(r.Json).RootElement).ToList();
        Assert.Equal(11, audit.Count);
        var first = audit.Single(a => a.GetProperty("result").GetString() == "done" && a.GetProperty("point").GetString() == "supply_setpoint");
        Assert.Equal(("sam", "储水温度偏低", 45.5), (first.GetProperty("by").GetString(), first.GetProperty("why").GetString(), first.GetProperty("after").GetDouble()));
        Assert.Equal(9, audit.Count(a => a.GetProperty("result").GetString() == "not_applicable"));
    }

    [Fact]
    public async Task WriteWhileTheGatewayIsCutOffFromTheBroker_IsNeverDoneLater_TheSenderGetsNoAnswer_AndTheSameWriteAfterwardsIsDone()
    {
        var store = new ModbusDataStore(1);
        await using var boiler = new ModbusTcpServer(store);
        boiler.Start();
        await using var broker = await MosquittoBroker.StartAsync(moreUsers: ["sam"], acl:
        [
            $"user {MosquittoBroker.User}",
            "topic readwrite #",
            "pattern write facility/+/+/commands/write/%u",
            "pattern readwrite replies/%u/#",
        ]);
        await using var link = new FaultProxy(broker.Port); // the gateway's network to the broker
        await using var gateway = await GatewayUnderTest.StartAsync($$"""
            gateway: { id: gw, site: site }
            on_call: { primary: [sam], contacts: { sam: { name: Sam } } }
            control: { people: { sam: technician } }
            assets: [{ id: boiler, name: Boiler, type: boiler }]
            devices:
              - { id: boiler-ctrl, asset: boiler, endpoint: "tcp://127.0.0.1:{{boiler.LocalEndPoint.Port}}", unit: 1, interval: 200ms,
                  points: [{ id: supply_setpoint, holding: 10, scale: 0.1, unit: °C, write: { min: 40, max: 60, min_interval: 0s } }] }
            sinks: [{ id: broker, kind: mqtt, host: 127.0.0.1, port: {{link.Port}}, username: gateway, password: "{{MosquittoBroker.Password}}", max_backoff: 500ms }]
            """);
        await gateway.CommandsListening();
        string topic = "facility/site/gw/commands/write/sam";

        // The link drops while the write is on its way: the gateway's session is a clean one, so the broker keeps nothing
        // for it, and the write is not done when the link comes back.
        link.Fault = ProxyFault.ResetMidFrame;
        using (var sam = await ConnectAsync(broker, "sam"))
        {
            var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            sam.ApplicationMessageReceivedAsync += _ => { answered.TrySetResult(); return Task.CompletedTask; };
            await sam.SubscribeAsync("replies/sam/lost", MqttQualityOfServiceLevel.AtLeastOnce);
            await sam.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic)
                .WithPayload("""{"device":"boiler-ctrl","point":"supply_setpoint","value":55,"reply_to":"replies/sam/lost"}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            await Task.Delay(1000);
            link.Fault = ProxyFault.None;
            // Connected again: a new write goes through, the lost one never does.
            var again = await WriteAsync(broker, "sam", topic, """{"device":"boiler-ctrl","point":"supply_setpoint","value":45}""", TimeSpan.FromSeconds(30));
            Assert.True(again.GetProperty("ok").GetBoolean(), again.ToString());
            Assert.False(answered.Task.IsCompleted, "the write sent while the gateway was cut off was answered");
        }
        Assert.Equal(450, store[1].GetRegister(ModbusTable.HoldingRegisters, 10));
        var audit = await gateway.Services.GetRequiredService<FacilityGateway.Outbox.OutboxService>().Outbox.LoadStateAsync("write", CancellationToken.None);
        Assert.DoesNotContain(audit, r => r.Json.Contains("\"value\":55", StringComparison.Ordinal));
    }

    private static async Task<string> RefusedAsync(MosquittoBroker broker, string user, string topic, double value)
    {
        var answer = await WriteAsync(broker, user, topic, $$"""{"device":"boiler-ctrl","point":"supply_setpoint","value":{{value.ToString(CultureInfo.InvariantCulture)}}}""");
        Assert.False(answer.GetProperty("ok").GetBoolean(), answer.ToString());
        return answer.GetProperty("message").GetString()!;
    }

    /// <summary>Publishes a write as <paramref name="user"/> with a reply topic of theirs and returns the gateway's answer.</summary>
    private static Task<JsonElement> WriteAsync(MosquittoBroker broker, string user, string topic, string body) => WriteAsync(broker, user, topic, body, null);

    /// <summary>
    /// Publishes and waits for the answer; with <paramref name="retryFor"/>, publishes again every 2 s until one comes
    /// (the gateway may be reconnecting and never sees the ones before).
    /// </summary>
    private static async Task<JsonElement> WriteAsync(MosquittoBroker broker, string user, string topic, string body, TimeSpan? retryFor)
    {
        using var client = await ConnectAsync(broker, user);
        string replyTo = $"replies/{user}/{Guid.NewGuid():N}";
        var answer = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ApplicationMessageReceivedAsync += e =>
        {
            answer.TrySetResult(Encoding.UTF8.GetString(e.ApplicationMessage.Payload));
            return Task.CompletedTask;
        };
        await client.SubscribeAsync(replyTo, MqttQualityOfServiceLevel.AtLeastOnce);
        string withReply = body.TrimEnd('}') + $$""","reply_to":"{{replyTo}}"}""";
        var until = DateTime.UtcNow + (retryFor ?? TimeSpan.Zero);
        while (true)
        {
            await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(withReply).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            try
            {
                return JsonDocument.Parse(await answer.Task.WaitAsync(retryFor is null ? Wait : TimeSpan.FromSeconds(2))).RootElement.Clone();
            }
            catch (TimeoutException) when (DateTime.UtcNow < until)
            {
                // not connected yet: publish again
            }
        }
    }

    private static async Task<IMqttClient> ConnectAsync(MosquittoBroker broker, string user)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId($"{user}-{Guid.NewGuid():N}")
            .WithProtocolVersion(MqttProtocolVersion.V500).WithCredentials(user, MosquittoBroker.Password).Build());
        return client;
    }
}
