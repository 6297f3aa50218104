using System.Text.Json;
using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;
using FacilityGateway.Outbox;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace FacilityGateway.IntegrationTests;

/// <summary>The MQTT sink against a real Mosquitto with a password file and TLS from a test CA.</summary>
public sealed class MqttSinkTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private static string Config(int modbusPort, int brokerPort, TestCertificates tls, string extra = "") => $$"""
        gateway: { id: test-gw, site: test-site }
        logging: { level: warning }
        # The broker is down for about a second: prompt commits make records pile up meanwhile (grouping has its own test).
        outbox: { commit_every: 0s }
        assets:
          - { id: incomer, name: Main incomer, type: meter, model: SDM630 }
        devices:
          - id: meter
            asset: incomer
            endpoint: tcp://127.0.0.1:{{modbusPort}}
            unit: 1
            interval: 50ms
            points:
              - { id: power, holding: 0, scale: 0.5, unit: kW, deadband: 1 }
              - { id: counter, holding: 1, unit: "" }
        sinks:
          - id: broker
            kind: mqtt
            host: 127.0.0.1
            port: {{brokerPort}}
            username: gateway
            password: ${FG_TEST_MQTT_PASSWORD}
            tls: { ca_file: {{tls.CaFile}} }
            max_backoff: 500ms
        {{extra}}
        """;

    [Fact]
    public async Task MutualTls_TheGatewaysClientCertificateIsItsIdentity_AndAClientWithoutOneIsRefused()
    {
        using var tls = await TestCertificates.CreateAsync();
        await using var broker = await MosquittoBroker.StartAsync(tls, passwords: false, requireClientCertificate: true);
        await using var subscriber = await MqttSubscriber.StartAsync(broker.Port, "facility/#", tls, credentials: false, clientCertificate: true);
        var store = new ModbusDataStore(1);
        await using var modbus = new ModbusTcpServer(store);
        modbus.Start();
        await using var gateway = await GatewayUnderTest.StartAsync($$"""
            gateway: { id: test-gw, site: test-site }
            logging: { level: warning }
            assets: [{ id: incomer, name: Main incomer, type: meter }]
            devices:
              - { id: meter, asset: incomer, endpoint: "tcp://127.0.0.1:{{modbus.LocalEndPoint.Port}}", unit: 1, interval: 100ms, points: [{ id: power, holding: 0, unit: kW }] }
            sinks:
              - id: broker
                kind: mqtt
                host: 127.0.0.1
                port: {{broker.Port}}
                tls: { ca_file: {{tls.CaFile}}, client_certificate: {{tls.ClientCertificate}}, client_key: {{tls.ClientKey}} }
                max_backoff: 500ms
            """);
        await subscriber.WaitForAsync(s => s.TelemetryIds().Count >= 5, Wait, "telemetry over mutual TLS");
        Assert.Equal("online", subscriber.Messages.Last(m => m.Topic == "facility/test-site/test-gw/status").Payload);

        // The same broker turns away a TLS client that trusts it but shows no certificate of its own.
        using var stranger = new MQTTnet.MqttClientFactory().CreateMqttClient();
        var ca = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(tls.CaFile);
        var options = new MQTTnet.MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithTimeout(TimeSpan.FromSeconds(5))
            .WithTlsOptions(t => t.UseTls().WithTargetHost("127.0.0.1")
                .WithCertificateValidationHandler(e => FacilityGateway.Sinks.Mqtt.MqttTls.Validate(e.Certificate, e.SslPolicyErrors, ca, checkHostName: true)))
            .Build();
        var refused = await Record.ExceptionAsync(() => stranger.ConnectAsync(options));
        Assert.NotNull(refused);
        Assert.False(stranger.IsConnected);
    }

    [Fact]
    public async Task Telemetry_OverTlsWithPassword_HasTheDocumentedTopicsAndPayloads_AndSurvivesABrokerRestartInOrder()
    {
        Environment.SetEnvironmentVariable("FG_TEST_MQTT_PASSWORD", MosquittoBroker.Password);
        using var tls = await TestCertificates.CreateAsync();
        await using var broker = await MosquittoBroker.StartAsync(tls);
        await using var subscriber = await MqttSubscriber.StartAsync(broker.Port, "facility/#", tls);
        var store = new ModbusDataStore(1);
        store[1].SetRegisters(ModbusTable.HoldingRegisters, 0, [300, 0]);
        await using var modbus = new ModbusTcpServer(store);
        modbus.Start();
        using var counting = new Timer(_ => store[1].SetRegister(ModbusTable.HoldingRegisters, 1, (ushort)(store[1].GetRegister(ModbusTable.HoldingRegisters, 1) + 1)), null, 0, 20);

        await using var gateway = await GatewayUnderTest.StartAsync(Config(modbus.LocalEndPoint.Port, broker.Port, tls));
        await subscriber.WaitForAsync(s => s.TelemetryIds().Count >= 20, Wait, "20 telemetry messages");

        var status = subscriber.Messages.Last(m => m.Topic == "facility/test-site/test-gw/status");
        Assert.Equal("online", status.Payload);
        var telemetry = subscriber.Messages.First(m => m.Topic == "facility/test-site/test-gw/telemetry/meter");
        var json = JsonDocument.Parse(telemetry.Payload).RootElement;
        var outbox = gateway.Services.GetRequiredService<OutboxService>().Outbox;
        Assert.StartsWith(outbox.Epoch + "-", json.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("incomer", json.GetProperty("asset").GetString());
        Assert.True(DateTimeOffset.TryParse(json.GetProperty("ts").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));
        var power = json.GetProperty("points").GetProperty("power");
        Assert.Equal((150.0, "kW", "good"), (power.GetProperty("v").GetDouble(), power.GetProperty("u").GetString()!, power.GetProperty("q").GetString()!));

        // The broker goes away for a while; polling goes on into the outbox; then it comes back.
        await broker.StopAsync();
        long during = outbox.LastId;
        await gateway.Recorder.WaitForDeviceAsync("meter", gateway.Recorder.Batches.Count + 20, Wait);
        Assert.True(outbox.LastId > during + 10, "no records accumulated while the broker was down");
        await broker.StartAsync();

        long target = outbox.LastId;
        await subscriber.WaitForAsync(s => s.TelemetryIds().Contains(target), Wait, $"record {target} after the broker restart");
        var ids = subscriber.TelemetryIds();
        var missing = Enumerable.Range(1, (int)target).Select(i => (long)i).Except(ids).ToList();
        Assert.True(missing.Count == 0, $"missing {missing.Count} record(s), first {string.Join(", ", missing.Take(10))}");
        var firstSeen = ids.Distinct().ToList();
        Assert.Equal(firstSeen.Order(), firstSeen); // in order (a redelivered batch repeats ids, never reorders them)
        output.WriteLine($"{ids.Count} telemetry messages for {target} records ({ids.Count - firstSeen.Count} duplicates from redelivery)");
    }
}

/// <summary>A broker killed with SIGKILL during a leak: the page goes out once the broker is back, once, with no restart of the gateway.</summary>
public sealed class BrokerKilledTests
{
    [Fact]
    public async Task BrokerKilledWithSigkill_ALeakDuringTheOutage_IsPublishedOnceWhenItIsBack()
    {
        var wait = TimeSpan.FromSeconds(60);
        await using var broker = await MosquittoBroker.StartAsync(tls: null, passwords: false);
        await using var subscriber = await MqttSubscriber.StartAsync(broker.Port, "facility/#", tls: null, credentials: false);
        var store = new ModbusDataStore(1);
        await using var panel = new ModbusTcpServer(store);
        panel.Start();
        await using var gateway = await GatewayUnderTest.StartAsync($$"""
            gateway: { id: gw, site: site }
            logging: { level: error }
            assets: [{ id: tank-room, name: Tank room, type: leak_zone }]
            devices:
              - { id: panel, asset: tank-room, endpoint: "tcp://127.0.0.1:{{panel.LocalEndPoint.Port}}", unit: 1, interval: 100ms, points: [{ id: leak, coil: 0, meaning: leak, alarms: [{ type: state, state: 1, on_delay: 0s, latched: true, priority: P1, message: Water leak }] }] }
            sinks:
              - { id: broker, kind: mqtt, host: 127.0.0.1, port: {{broker.Port}}, max_backoff: 300ms, keep_alive: 2s }
            """);
        await subscriber.WaitForAsync(s => s.TelemetryIds().Count > 3, wait, "telemetry before the kill");
        // The subscriber's session is on the broker's disk before the kill: otherwise the kill forgets it, and what the
        // gateway publishes before the subscriber has subscribed again is (rightly) delivered to nobody.
        await broker.WaitForSaveAsync(wait);

        await broker.KillAsync();
        store[1].SetBits(ModbusTable.Coils, 0, [true]);
        var engine = gateway.Services.GetRequiredService<FacilityGateway.Alarms.AlarmEngine>();
        for (int i = 0; i < 200 && engine.OpenTickets.Count == 0; i++)
            await Task.Delay(25);
        var ticket = Assert.Single(engine.OpenTickets);
        await Task.Delay(1000);
        await broker.StartAsync();

        await subscriber.WaitForAsync(s => s.Messages.Any(m => m.Topic.EndsWith("/events", StringComparison.Ordinal) && m.Payload.Contains(ticket.Id, StringComparison.Ordinal)), wait, "the leak after the broker is back");
        var keys = subscriber.Messages.Where(m => m.Topic.EndsWith("/events", StringComparison.Ordinal))
            .Select(m => JsonDocument.Parse(m.Payload).RootElement).Where(e => e.GetProperty("ticket").GetProperty("id").GetString() == ticket.Id)
            .Select(e => e.GetProperty("key").GetString()).Distinct().ToList();
        Assert.Single(keys);
        Assert.All(gateway.Services.GetRequiredService<FacilityGateway.Delivery.DeliveryService>().Runners, r => Assert.Equal(0, r.Restarts));
    }
}
