using System.Net;
using System.Net.Sockets;
using FacilityGateway.Dashboard;
using FacilityGateway.IntegrationTests.Infrastructure;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;
using Microsoft.Extensions.DependencyInjection;

namespace FacilityGateway.IntegrationTests;

/// <summary>The dashboard is a window on the gateway, not its job: a port already taken must not stop the polling.</summary>
public sealed class DashboardHostingTests
{
    [Fact]
    public async Task PortAlreadyTaken_TheGatewayPollsOn_WithoutTheDashboard()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        int taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var store = new ModbusDataStore(1);
        store[1].SetRegister(ModbusTable.HoldingRegisters, 0, 42);
        await using var modbus = new ModbusTcpServer(store);
        modbus.Start();

        await using var gateway = await GatewayUnderTest.StartAsync($$"""
            gateway: { id: gw, site: site }
            logging: { level: warning }
            assets: [{ id: a, name: A, type: other }]
            devices: [{ id: d, asset: a, endpoint: "tcp://127.0.0.1:{{modbus.LocalEndPoint.Port}}", unit: 1, interval: 100ms, points: [{ id: v, holding: 0 }] }]
            dashboard: { enabled: true, listen: "127.0.0.1:{{taken}}" }
            """);
        await gateway.Recorder.WaitForDeviceAsync("d", 5, TimeSpan.FromSeconds(30));
        Assert.Null(gateway.Services.GetRequiredService<DashboardService>().Address);
        Assert.Equal(42, gateway.Recorder.Batches.Last(b => b.Batch.DeviceId == "d").Batch.Readings.Single(r => r.PointId == "v").Value);
    }
}
