using System.Diagnostics;
using FacilityGateway.Modbus.Testing;

namespace FacilityGateway.Benchmarks.Modbus;

/// <summary>The long fuzz run: random and mutated response frames through the real client, MBAP and RTU.</summary>
public static class FuzzRun
{
    public static async Task<int> RunAsync(int inputs)
    {
        var watch = Stopwatch.StartNew();
        var fuzzer = new FrameFuzzer(seed: 1);
        await fuzzer.RunAsync(inputs);
        Console.WriteLine($"fuzz: {inputs:N0} inputs in {watch.Elapsed.TotalSeconds:F1} s: {fuzzer.Values:N0} values, {fuzzer.ModbusErrors:N0} Modbus errors, {fuzzer.Defects:N0} defects");
        if (fuzzer.FirstDefect is not null)
            Console.WriteLine($"first defect: {fuzzer.FirstDefect}");
        return fuzzer.Defects == 0 ? 0 : 1;
    }
}
