using FacilityGateway.Modbus.Client;
using FacilityGateway.Modbus.Planning;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Modbus.Server;
using Microsoft.Extensions.Time.Testing;

namespace FacilityGateway.Modbus.Tests;

public class DeviceReaderTests
{
    private static PointSpan Holding(ushort address, ushort width = 1) => new(ModbusTable.HoldingRegisters, address, width);

    private static async Task<(ModbusTcpServer, ModbusClient)> StartAsync(ModbusDataStore store)
    {
        var server = new ModbusTcpServer(store);
        server.Start();
        var client = ModbusClient.Create($"tcp://127.0.0.1:{server.LocalEndPoint.Port}", retryPolicy: ModbusRetryPolicy.None);
        await Task.CompletedTask;
        return (server, client);
    }

    [Fact]
    public async Task IllegalAddressInMiddleOfBlock_IsIsolated_NeighboursKeepArriving()
    {
        var store = new ModbusDataStore(1);
        var unit = store[1];
        // The device implements 0..9 and 11..19; point 5 asks for register 10, which it refuses.
        unit.Define(ModbusTable.HoldingRegisters, 0, 10);
        unit.Define(ModbusTable.HoldingRegisters, 11, 9);
        for (ushort a = 0; a < 20; a++)
            unit.SetRegister(ModbusTable.HoldingRegisters, a, (ushort)(a * 10));
        PointSpan[] points = [Holding(0), Holding(2), Holding(4, 2), Holding(8), Holding(9), Holding(10), Holding(12), Holding(15), Holding(19)];

        var time = new FakeTimeProvider();
        var reader = new ModbusDeviceReader(points, new ReadPlannerOptions { MaxGap = 4 }, TimeSpan.FromHours(1), time);
        Assert.Single(reader.Plan);
        var (server, client) = await StartAsync(store);
        await using (server)
        await using (client)
        {
            var result = reader.CreateResult();
            await reader.ReadAsync(client, 1, result, default);
            AssertAllGoodExcept(points, result, 5);
            Assert.Equal(PointReadStatus.IllegalAddress, result.Status(5));
            Assert.Equal([5], reader.IsolatedPoints);

            // The next cycle reads around the hole with two requests and no failures.
            await reader.ReadAsync(client, 1, result, default);
            AssertAllGoodExcept(points, result, 5);
            Assert.Equal(2, reader.RequestsLastCycle);

            // Re-probed once its interval has passed; still refused, so it stays out.
            time.Advance(TimeSpan.FromHours(1));
            await reader.ReadAsync(client, 1, result, default);
            Assert.Equal(3, reader.RequestsLastCycle);
            Assert.Equal(PointReadStatus.IllegalAddress, result.Status(5));

            // The device gets a firmware update: register 10 answers, the point rejoins and the plan merges again.
            unit.Define(ModbusTable.HoldingRegisters, 10, 1);
            time.Advance(TimeSpan.FromHours(1));
            await reader.ReadAsync(client, 1, result, default);
            Assert.Empty(reader.IsolatedPoints);
            await reader.ReadAsync(client, 1, result, default);
            AssertAllGoodExcept(points, result);
            Assert.Equal(1, reader.RequestsLastCycle);
        }
    }

    [Fact]
    public async Task HoleBetweenPoints_GetsACut_BothSidesGood()
    {
        var store = new ModbusDataStore(1);
        store[1].Define(ModbusTable.HoldingRegisters, 0, 4);
        store[1].Define(ModbusTable.HoldingRegisters, 6, 4);
        for (ushort a = 0; a < 10; a++)
            store[1].SetRegister(ModbusTable.HoldingRegisters, a, (ushort)(a * 10));
        PointSpan[] points = [Holding(0, 2), Holding(2, 2), Holding(6, 2), Holding(8, 2)];
        var reader = new ModbusDeviceReader(points, new ReadPlannerOptions { MaxGap = 4 });
        var (server, client) = await StartAsync(store);
        await using (server)
        await using (client)
        {
            var result = reader.CreateResult();
            await reader.ReadAsync(client, 1, result, default);
            AssertAllGoodExcept(points, result);
            Assert.Empty(reader.IsolatedPoints);
            await reader.ReadAsync(client, 1, result, default);
            Assert.Equal(2, reader.RequestsLastCycle);
            Assert.Equal(2, reader.Plan.Count);
        }
    }

    [Fact]
    public async Task DeviceUnreachable_AllPointsFailed_WithOneRequest()
    {
        var store = new ModbusDataStore(1);
        var server = new ModbusTcpServer(store, new ModbusServerOptions { Faults = _ => ModbusFault.Drop });
        server.Start();
        await using var _ = server;
        await using var client = ModbusClient.Create($"tcp://127.0.0.1:{server.LocalEndPoint.Port}", new() { ResponseTimeout = TimeSpan.FromMilliseconds(100) }, ModbusRetryPolicy.None);
        PointSpan[] points = [Holding(0), Holding(500), new(ModbusTable.Coils, 0, 1)];
        var reader = new ModbusDeviceReader(points);
        Assert.Equal(3, reader.Plan.Count);
        var result = reader.CreateResult();
        await reader.ReadAsync(client, 1, result, default);
        Assert.Equal(1, reader.RequestsLastCycle);
        for (int i = 0; i < points.Length; i++)
        {
            Assert.Equal(PointReadStatus.Failed, result.Status(i));
            Assert.IsType<ModbusTimeoutException>(result.Error(i));
        }
    }

    private static void AssertAllGoodExcept(PointSpan[] points, DeviceReadResult result, params int[] bad)
    {
        for (int i = 0; i < points.Length; i++)
        {
            if (bad.Contains(i))
                continue;
            Assert.Equal(PointReadStatus.Good, result.Status(i));
            Assert.Equal(points[i].Address * 10, result.Registers(i)[0]);
        }
    }
}
