using FacilityGateway.Alarms;
using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;
using FacilityGateway.Readings;
using Microsoft.Extensions.DependencyInjection;

namespace FacilityGateway.IntegrationTests;

/// <summary>
/// Local devices that cannot be read (no GPIO chip or libgpiod, no I2C bus, a 1-Wire probe not on the bus): each gives
/// bad readings and, being offline, one communication-loss ticket; the gateway itself runs on and polls the rest.
/// </summary>
public sealed class LocalDeviceFailureTests
{
    [Fact]
    public async Task UnreadableGpioI2cAndOneWireDevices_EachRaiseOneCommLossTicket_AndModbusPollingGoesOn()
    {
        var store = new ModbusDataStore(1);
        store[1].SetRegister(ModbusTable.HoldingRegisters, 0, 7);
        await using var modbus = new ModbusTcpServer(store);
        modbus.Start();
        await using var gateway = await GatewayUnderTest.StartAsync($$"""
            gateway: { id: gw, site: site }
            logging: { level: error }
            assets: [{ id: room, name: Tank room, type: leak_zone }]
            devices:
              - { id: meter, asset: room, endpoint: "tcp://127.0.0.1:{{modbus.LocalEndPoint.Port}}", unit: 1, interval: 100ms, points: [{ id: v, holding: 0 }] }
              - { id: probe, kind: gpio_input, asset: room, chip: 7, pin: 17, meaning: leak, interval: 200ms }
              - { id: pressure, kind: ads1115, asset: room, bus: 9, address: 0x48, range_min: 0, range_max: 10, unit: bar, interval: 200ms }
              - { id: cylinder, kind: ds18b20, asset: room, sensor: 28-000000000bad, interval: 200ms }
            """);
        var engine = gateway.Services.GetRequiredService<AlarmEngine>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (engine.OpenTickets.Count < 3 && DateTime.UtcNow < deadline)
            await Task.Delay(100);

        Assert.Equal(["cylinder/comm_loss", "pressure/comm_loss", "probe/comm_loss"], engine.OpenTickets.Select(t => t.RuleId).Order());
        var snapshot = gateway.Services.GetRequiredService<ReadingSnapshot>();
        Assert.Equal(Quality.BadDeviceFailure, snapshot.Get("probe", "state")!.Value.Quality);
        // Without libgpiod the library is named, with it the missing chip: either way, what to do.
        Assert.Matches("libgpiod library is not installed|GPIO chip 7 cannot be opened", snapshot.Get("probe", "health.last_error")!.Value.Text ?? "");
        Assert.Equal(Quality.BadCommFailure, snapshot.Get("pressure", "value")!.Value.Quality);
        Assert.Equal(Quality.BadCommFailure, snapshot.Get("cylinder", "temperature")!.Value.Quality);
        Assert.Equal(0, snapshot.Get("cylinder", "health.online")!.Value.Value);

        int polls = gateway.Recorder.Batches.Count(b => b.Batch.DeviceId == "meter");
        await gateway.Recorder.WaitForDeviceAsync("meter", polls + 5, TimeSpan.FromSeconds(30));
        Assert.Equal(7, snapshot.Get("meter", "v")!.Value.Value);
    }
}
