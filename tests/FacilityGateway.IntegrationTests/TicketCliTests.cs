using FacilityGateway.Sources.Simulated;
using System.Device.Gpio;
using FacilityGateway.Alarms;
using FacilityGateway.Cli;
using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Sources.Gpio;
using FacilityGateway.Tickets;
using FacilitySimulator.Demo;
using Microsoft.Extensions.DependencyInjection;

namespace FacilityGateway.IntegrationTests;

/// <summary>The <c>tickets</c> command line against a running gateway: list from its outbox file, acknowledge through its broker.</summary>
public sealed class TicketCliTests
{
    [Fact]
    public async Task TicketsList_ShowsTheLeakTicket_AndTicketsAck_ReachesTheRunningGateway()
    {
        await using var broker = await EmbeddedBroker.StartAsync(FreePort.Next());
        string data = Directory.CreateTempSubdirectory("fg-cli-").FullName;
        await using var gateway = await GatewayUnderTest.StartAsync($$"""
            gateway: { id: gw, site: site, data_directory: {{data}} }
            logging: { level: warning }
            assets: [{ id: tank-room, name: Tank room leak zone, type: leak_zone, maintenance: [{ task: Test the leak probes, every: 90d }] }]
            devices:
              - { id: probe, kind: gpio_input, driver: simulated, asset: tank-room, pin: 17, meaning: leak, debounce: 10ms, alarms: [{ type: state, state: 1, on_delay: 0s, latched: true, priority: P1, message: Water leak in the tank room }] }
            sinks:
              - { id: broker, kind: mqtt, host: 127.0.0.1, port: {{broker.Port}}, max_backoff: 200ms }
            """);
        var engine = gateway.Services.GetRequiredService<AlarmEngine>();
        gateway.Services.GetRequiredService<SimulatedGpio>().Chip(0).SetInput(17, PinValue.High);
        for (int i = 0; i < 200 && engine.OpenTickets.Count == 0; i++)
            await Task.Delay(50);
        var ticket = Assert.Single(engine.OpenTickets);

        var output = new StringWriter();
        var error = new StringWriter();
        Assert.Equal(0, await GatewayCommands.InvokeAsync(["tickets", "list", "--config", gateway.ConfigPath], output, error));
        Assert.Contains($"{ticket.Id}  P1  open", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("Tank room leak zone: Water leak in the tank room", output.ToString(), StringComparison.Ordinal);

        // The gateway takes commands once its listener has subscribed to the command topic (its readiness signal).
        await gateway.CommandsListening().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, await GatewayCommands.InvokeAsync(["tickets", "ack", ticket.Id, "--by", "alice", "--note", "on my way", "--config", gateway.ConfigPath], output, error));
        for (int i = 0; i < 200 && engine.OpenTickets[0].State == TicketState.Open; i++)
            await Task.Delay(50);
        var acknowledged = Assert.Single(engine.OpenTickets);
        Assert.Equal(TicketState.Acknowledged, acknowledged.State);
        Assert.Contains(acknowledged.Audit, a => a.Action == "ack" && a.By == "alice" && a.Note == "on my way");

        // An asset's history: its tickets with their audit trails, from the outbox file (the engine shows a change only
        // once it is committed there).
        output = new StringWriter();
        Assert.Equal(0, await GatewayCommands.InvokeAsync(["tickets", "list", "--all", "--asset", "tank-room", "--config", gateway.ConfigPath], output, error));
        string history = output.ToString();
        Assert.Contains($"{ticket.Id}  P1  acknowledged", history, StringComparison.Ordinal);
        Assert.Matches(@"\n    \d{4}-\d\d-\d\d \d\d:\d\d  ack +alice: on my way", history);
        var unknown = new StringWriter();
        Assert.Equal(ExitCodes.ConfigurationError, await GatewayCommands.InvokeAsync(["tickets", "list", "--asset", "tank-rom", "--config", gateway.ConfigPath], output, unknown));
        Assert.Contains("no asset 'tank-rom' in the register; assets: tank-room", unknown.ToString(), StringComparison.Ordinal);

        // Maintenance done during the visit, from the command line: recorded resolved in the asset's history.
        Assert.Equal(0, await GatewayCommands.InvokeAsync(["maintenance", "done", "tank-room", "Test the leak probes", "--by", "alice", "--note", "all four probes tested wet", "--config", gateway.ConfigPath], output, error));
        for (int i = 0; i < 200 && !engine.OpenTickets.Any(t => t.Message == "Maintenance done: Test the leak probes"); i++)
            await Task.Delay(50);
        var done = Assert.Single(engine.OpenTickets, t => t.Message == "Maintenance done: Test the leak probes");
        Assert.Equal(TicketState.Resolved, done.State);
        Assert.Contains(done.Audit, a => a is { Action: "resolve", By: "alice", Note: "all four probes tested wet" });
        var typo = new StringWriter();
        Assert.Equal(ExitCodes.ConfigurationError, await GatewayCommands.InvokeAsync(["maintenance", "done", "tank-room", "Test the probes", "--config", gateway.ConfigPath], output, typo));
        Assert.Contains("'Test the probes' is not in the plan of tank-room; its tasks: \"Test the leak probes\"", typo.ToString(), StringComparison.Ordinal);
        Directory.Delete(data, recursive: true);
    }

    [Fact]
    public async Task TicketsAck_OfAnUnknownTicket_OrWithNoGatewayListening_ExitsNonZero_InsteadOfPrintingSent()
    {
        // Regression: the command line printed 'sent' and exited 0 whatever the gateway did with the command.
        await using var broker = await EmbeddedBroker.StartAsync(FreePort.Next());
        string data = Directory.CreateTempSubdirectory("fg-cli-").FullName;
        string yaml = $$"""
            gateway: { id: gw, site: site, data_directory: {{data}} }
            logging: { level: warning }
            assets: [{ id: tank-room, name: Tank room leak zone, type: leak_zone, maintenance: [{ task: Test the leak probes, every: 90d }] }]
            devices:
              - { id: probe, kind: gpio_input, driver: simulated, asset: tank-room, pin: 17, meaning: leak, debounce: 10ms }
            sinks:
              - { id: broker, kind: mqtt, host: 127.0.0.1, port: {{broker.Port}}, max_backoff: 200ms }
            """;
        string offline = Path.Combine(data, "offline.yaml");
        await File.WriteAllTextAsync(offline, yaml);
        await using (var gateway = await GatewayUnderTest.StartAsync(yaml))
        {
            await gateway.CommandsListening().WaitAsync(TimeSpan.FromSeconds(10));
            var error = new StringWriter();
            Assert.Equal(ExitCodes.Failure, await GatewayCommands.InvokeAsync(["tickets", "ack", "T-20261202-000000-9999", "--by", "alice", "--config", gateway.ConfigPath], new StringWriter(), error));
            Assert.Contains("refused", error.ToString(), StringComparison.Ordinal);
            Assert.Contains("T-20261202-000000-9999 is unknown", error.ToString(), StringComparison.Ordinal);

            // A retained command would be done again at every reconnect: refused, and nothing is recorded.
            var engine = gateway.Services.GetRequiredService<AlarmEngine>();
            using var client = new MQTTnet.MqttClientFactory().CreateMqttClient();
            await client.ConnectAsync(new MQTTnet.MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).Build());
            await client.PublishAsync(new MQTTnet.MqttApplicationMessageBuilder().WithTopic("facility/site/gw/commands/maintenance_done")
                .WithPayload("""{"asset":"tank-room","task":"Test the leak probes","by":"mallory"}""").WithRetainFlag()
                .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());
            // Then an ordinary command, answered: the retained one came first and was refused.
            Assert.Equal(0, await GatewayCommands.InvokeAsync(["maintenance", "done", "tank-room", "Test the leak probes", "--by", "alice", "--config", gateway.ConfigPath], new StringWriter(), new StringWriter()));
            Assert.DoesNotContain(engine.OpenTickets, t => t.AssignedTo == "mallory");
            Assert.Contains(engine.OpenTickets, t => t.AssignedTo == "alice");
        }
        // Nobody listens on the command topic now: the sender is told, with a non-zero exit.
        var silence = new StringWriter();
        Assert.Equal(ExitCodes.Failure, await GatewayCommands.InvokeAsync(["tickets", "ack", "T-20261202-000000-9999", "--by", "alice", "--config", offline], new StringWriter(), silence));
        Assert.Contains("no answer from gateway gw", silence.ToString(), StringComparison.Ordinal);
        Directory.Delete(data, recursive: true);
    }
}
