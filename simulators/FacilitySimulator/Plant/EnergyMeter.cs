namespace FacilitySimulator.Plant;

/// <summary>A three-phase energy meter whose power follows a daily load curve and whose energy counter only grows.</summary>
public sealed class EnergyMeter(string id, ProfileRegisters registers, double basekW) : SimulatedDevice(id)
{
    private readonly Random _random = new(id.GetHashCode(StringComparison.Ordinal));
    private double _importKWh = 18_250.0;
    private double _powerW;

    public override void Tick(DateTimeOffset now, TimeSpan dt)
    {
        double hour = now.TimeOfDay.TotalHours;
        double load = basekW * (0.6 + 0.4 * Math.Sin((hour - 7) / 24 * 2 * Math.PI)) * (1 + (_random.NextDouble() - 0.5) * 0.04);
        _powerW = load * 1000;
        _importKWh += load * dt.TotalHours;
        double pf = 0.95;
        for (int phase = 1; phase <= 3; phase++)
        {
            double voltage = 230 + (_random.NextDouble() - 0.5) * 4;
            double phasePower = _powerW / 3;
            registers.Set($"voltage_l{phase}", voltage);
            registers.Set($"current_l{phase}", phasePower / (voltage * pf));
            registers.Set($"power_l{phase}", phasePower);
            TrySet($"power_factor_l{phase}", pf);
        }
        TrySet("current_sum", _powerW / (230 * pf));
        registers.Set("power_total", _powerW);
        TrySet("apparent_power_total", _powerW / pf);
        TrySet("reactive_power_total", _powerW * Math.Tan(Math.Acos(pf)));
        TrySet("power_factor_total", pf);
        registers.Set("frequency", 50 + (_random.NextDouble() - 0.5) * 0.05);
        registers.Set("import_energy", _importKWh);
        TrySet("export_energy", 0);
        TrySet("total_energy", _importKWh);
    }

    private void TrySet(string point, double value)
    {
        if (registers.PointIds.Contains(point))
            registers.Set(point, value);
    }

    public override string Describe() => $"{_powerW / 1000:F1} kW, {_importKWh:F1} kWh";
}
