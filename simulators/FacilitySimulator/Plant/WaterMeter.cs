namespace FacilitySimulator.Plant;

/// <summary>A flow meter on the cold water main: flow follows demand, totals only grow.</summary>
public sealed class WaterMeter(string id, ProfileRegisters registers, Func<double> demand) : SimulatedDevice(id)
{
    private double _total = 5120.250;
    private double _flow;
    private double _runSeconds = 3_600_000;

    public override void Tick(DateTimeOffset now, TimeSpan dt)
    {
        _flow = 12 * Math.Clamp(demand(), 0, 1); // m3/h
        _total += _flow * dt.TotalHours;
        _runSeconds += dt.TotalSeconds;
        registers.Set("flow_percent", _flow / 25 * 100);
        registers.Set("flow_rate", _flow);
        registers.Set("total_forward", _total);
        registers.Set("total_forward_partial", _total - 5000);
        registers.Set("total_reverse", 0);
        registers.Set("run_time", _runSeconds);
    }

    /// <summary>The flow now, for the meter's pulse output.</summary>
    public double FlowLitresPerSecond => _flow * 1000 / 3600;

    public override string Describe() => $"{_flow:F2} m3/h, total {_total:F3} m3";
}
