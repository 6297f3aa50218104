using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Modbus.Server;
using FacilityGateway.Readings;
using FacilityGateway.Sources.Clock;
using Microsoft.Extensions.DependencyInjection;

namespace FacilityGateway.IntegrationTests;

/// <summary>A board without a real-time clock, before NTP: the gateway polls as always and says its times may be wrong.</summary>
public sealed class ClockTests
{
    private sealed class UnsynchronisedKernelClock : IKernelClock
    {
        public bool IsSynchronised() => false;
    }

    [Fact]
    public async Task ClockNotSynchronised_PolledReadingsReachTheConsumersMarked_AndTheGatewayReportsIt()
    {
        var store = new ModbusDataStore(1);
        store[1].SetRegister(FacilityGateway.Modbus.Protocol.ModbusTable.HoldingRegisters, 0, 230);
        await using var server = new ModbusTcpServer(store);
        server.Start();
        await using var gateway = await GatewayUnderTest.StartAsync($$"""
            gateway: { id: gw, site: site, clock_check: kernel }
            assets: [{ id: a, name: A, type: meter }]
            devices: [{ id: d, asset: a, endpoint: "tcp://127.0.0.1:{{server.LocalEndPoint.Port}}", unit: 1, interval: 100ms, points: [{ id: volts, holding: 0 }] }]
            """, services => services.AddSingleton<IKernelClock>(new UnsynchronisedKernelClock()));
        await gateway.Recorder.WaitForDeviceAsync("d", 2, TimeSpan.FromSeconds(30));
        var volts = gateway.Recorder.Latest("d").Readings.Single(r => r.PointId == "volts");
        Assert.Equal((230.0, Quality.UncertainClockNotSynchronised), (volts.Value, volts.Quality));
        var clock = gateway.Recorder.Latest(GatewayDevice.Id).Readings.Single(r => r.PointId == "clock.synchronised");
        Assert.Equal(0, clock.Value);
    }
}
