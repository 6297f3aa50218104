using FacilityGateway.Sources.Simulated;
using FacilityGateway.Alarms;
using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Readings;
using FacilityGateway.Sources.Gpio;
using Microsoft.Extensions.DependencyInjection;
using System.Device.Gpio;
using FacilityGateway.Tickets;

namespace FacilityGateway.IntegrationTests;

/// <summary>GPIO through the real GpioController over the simulated driver, in the real gateway host.</summary>
public sealed class GpioTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static string Config(string dataDirectory) => $$"""
        gateway: { id: gw, site: site, data_directory: {{dataDirectory}} }
        logging: { level: warning }
        assets:
          - { id: tank-room, name: Tank room leak zone, type: leak_zone }
          - { id: cold-water, name: Cold water main, type: meter }
        devices:
          - id: tank-room-probe
            kind: gpio_input
            driver: simulated
            asset: tank-room
            pin: 17
            meaning: leak
            active: low
            pull: up
            debounce: 20ms
            supervision_pin: 27
            interval: 5s
            alarms: [{ type: state, state: 1, on_delay: 0s, latched: true, priority: P1, message: Water leak in the tank room }]
          - id: water-pulses
            kind: pulse_counter
            driver: simulated
            asset: cold-water
            pin: 22
            pulses_per_unit: 1
            unit: L
            rate_unit: L/min
            min_pulse_width: 0ms
            interval: 200ms
        """;

    [Fact]
    public async Task LeakOnASimulatedPin_TravelsToAReadingWithTheAsset_AndAP1Ticket()
    {
        string data = Directory.CreateTempSubdirectory("fg-gpio-").FullName;
        await using var gateway = await GatewayUnderTest.StartAsync(Config(data));
        var chip = gateway.Services.GetRequiredService<SimulatedGpio>().Chip(0);
        await gateway.Recorder.WaitForDeviceAsync("tank-room-probe", 1, Wait);
        Assert.Equal(0, gateway.Recorder.Latest("tank-room-probe").Readings[0].Value); // pulled up = inactive = dry

        chip.SetInput(17, PinValue.Low); // the probe gets wet (active low)
        await gateway.Recorder.WaitForAsync(b => b.Any(x => x.Batch.DeviceId == "tank-room-probe" && x.Batch.Readings[0].Value == 1), Wait, "the wet probe");
        var wet = gateway.Recorder.Batches.Select(b => b.Batch).First(b => b.DeviceId == "tank-room-probe" && b.Readings[0].Value == 1);
        Assert.Equal(("tank-room", "wet", Quality.Good), (wet.AssetId, wet.Readings[0].Text, wet.Readings[0].Quality));

        var engine = gateway.Services.GetRequiredService<AlarmEngine>();
        for (int i = 0; i < 100 && engine.OpenTickets.Count == 0; i++)
            await Task.Delay(50);
        var ticket = Assert.Single(engine.OpenTickets);
        Assert.Equal((AlarmPriority.P1, "Tank room leak zone"), (ticket.Priority, ticket.Asset.Name));

        chip.SetInput(27, PinValue.Low); // the supervision contact: probe disconnected
        await gateway.Recorder.WaitForAsync(b => b.Any(x => x.Batch.DeviceId == "tank-room-probe" && x.Batch.Readings[0].Quality == Quality.BadDeviceFailure), Wait, "the sensor fault");
    }

    [Fact]
    public async Task AnInputBesideAnOutput_EdgeLoopWaits_ItSpunOnTheOutputsReportTime()
    {
        // The edge loop woke at the earliest report time of every GPIO device, outputs included; an output's never moved,
        // so the loop never waited again: a core busy for as long as the gateway ran (the remote-control demo's wiring).
        string data = Directory.CreateTempSubdirectory("fg-gpio-").FullName;
        string yaml = $$"""
            gateway: { id: gw, site: site, data_directory: {{data}} }
            logging: { level: warning }
            assets: [{ id: plant, name: Plant room, type: other }]
            devices:
              - { id: lights, kind: gpio_output, driver: simulated, asset: plant, chip: 3, pin: 5, interval: 1h }
              - { id: probe, kind: gpio_input, driver: simulated, asset: plant, chip: 3, pin: 6, meaning: leak, debounce: 0ms, interval: 1h }
              - { id: pulses, kind: pulse_counter, driver: simulated, asset: plant, chip: 3, pin: 7, pulses_per_unit: 1, unit: L, interval: 100ms }
            """;
        await using var gateway = await GatewayUnderTest.StartAsync(yaml);
        var chip = gateway.Services.GetRequiredService<SimulatedGpio>().Chip(3);
        await gateway.Recorder.WaitForDeviceAsync("pulses", 2, Wait);
        long before = chip.Reads;
        await gateway.Recorder.WaitForDeviceAsync("pulses", 12, Wait); // ten more reports: about a second
        long reads = chip.Reads - before;
        // The loop wakes for each pulse report and reads the one input: about ten reads; spinning, hundreds of thousands.
        Assert.InRange(reads, 1, 200);
    }

    [Fact]
    public async Task Pulses_NoneLostThroughTheController_TotalSurvivesARestart()
    {
        string data = Directory.CreateTempSubdirectory("fg-gpio-").FullName;
        const int pulses = 5000;
        await using (var gateway = await GatewayUnderTest.StartAsync(Config(data)))
        {
            var chip = gateway.Services.GetRequiredService<SimulatedGpio>().Chip(0);
            await gateway.Recorder.WaitForDeviceAsync("water-pulses", 1, Wait);
            for (int i = 0; i < pulses; i++)
            {
                chip.SetInput(22, PinValue.High);
                chip.SetInput(22, PinValue.Low);
            }
            await gateway.Recorder.WaitForAsync(b => b.Any(x => x.Batch.DeviceId == "water-pulses" && x.Batch.Readings[0].Value == pulses), Wait, $"a total of {pulses} L");
        }
        await using (var again = await GatewayUnderTest.StartAsync(Config(data)))
        {
            var chip = again.Services.GetRequiredService<SimulatedGpio>().Chip(0);
            await again.Recorder.WaitForDeviceAsync("water-pulses", 1, Wait);
            Assert.Equal(pulses, again.Recorder.Latest("water-pulses").Readings[0].Value);
            chip.SetInput(22, PinValue.High);
            chip.SetInput(22, PinValue.Low);
            await again.Recorder.WaitForAsync(b => b.Any(x => x.Batch.DeviceId == "water-pulses" && x.Batch.Readings[0].Value == pulses + 1), Wait, "the total going on");
        }
        Directory.Delete(data, recursive: true);
    }
}
