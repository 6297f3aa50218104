using BenchmarkDotNet.Attributes;
using FacilityGateway.Modbus.Client;
using FacilityGateway.Modbus.Server;

namespace FacilityGateway.Benchmarks.Modbus;

/// <summary>One read of 10 holding registers over loopback TCP, our client against our server in the same process.</summary>
[MemoryDiagnoser]
public class RoundTripBenchmarks
{
    private ModbusTcpServer _server = null!;
    private ModbusClient _client = null!;
    private readonly ushort[] _registers = new ushort[10];

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _server = new ModbusTcpServer(new ModbusDataStore(1));
        _server.Start();
        _client = ModbusClient.Create($"tcp://127.0.0.1:{_server.LocalEndPoint.Port}");
        await _client.ReadHoldingRegistersAsync(1, 0, _registers);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Benchmark]
    public async Task ReadHoldingRegisters_10_Tcp() => await _client.ReadHoldingRegistersAsync(1, 0, _registers);
}
