namespace FacilitySimulator.Plant;

/// <summary>
/// A duty/standby pair of booster pumps on ABB ACS580 drives. Demand follows the building's water use; the duty pump's
/// frequency, speed, power and current agree with it (affinity laws). Faults: <c>trip</c> (the duty drive trips and the
/// standby takes over), <c>dry_run</c> (running, but power and current collapse), <c>short_cycle</c> (starts and stops
/// every few seconds), <c>clear</c>.
/// </summary>
public sealed class BoosterSet : SimulatedDevice
{
    private readonly ProfileRegisters[] _drives;
    private readonly Func<double> _demand;
    private readonly bool[] _tripped = new bool[2];
    private readonly double[] _runSeconds = new double[2];
    private int _duty;
    private bool _dryRun;
    private bool _shortCycle;
    private double _cycleClock;
    private readonly double[] _frequency = new double[2];

    public BoosterSet(string id, ProfileRegisters pump1, ProfileRegisters pump2, Func<double> demand) : base(id)
    {
        _drives = [pump1, pump2];
        _demand = demand;
    }

    public override void Tick(DateTimeOffset now, TimeSpan dt)
    {
        if (_tripped[_duty] && !_tripped[1 - _duty])
            _duty = 1 - _duty;
        _cycleClock += dt.TotalSeconds;
        double demand = Math.Clamp(_demand(), 0, 1);
        bool cycleOn = !_shortCycle || _cycleClock % 8 < 4;
        for (int i = 0; i < 2; i++)
        {
            bool running = i == _duty && !_tripped[i] && demand > 0.05 && cycleOn;
            double target = running ? 30 + 20 * demand : 0;
            _frequency[i] += (target - _frequency[i]) * Math.Min(1, dt.TotalSeconds / 2); // ramp
            double f = running ? _frequency[i] : 0;
            double ratio = f / 50;
            double powerKw = 7.5 * ratio * ratio * ratio * (_dryRun && running ? 0.3 : 1);
            double currentA = powerKw * 1000 / (Math.Sqrt(3) * 400 * 0.85) + (running ? 1.2 : 0);
            if (running)
                _runSeconds[i] += dt.TotalSeconds;
            int status = 0b0001 | (running ? 0b0110 : 0) | (_tripped[i] ? 0b1000 : 0);
            if (_tripped[i])
                status &= ~0b0001;
            var drive = _drives[i];
            drive.Set("status_word", status);
            drive.Set("motor_speed", ratio * 2900);
            drive.Set("output_frequency", f);
            drive.Set("motor_current", currentA);
            drive.Set("motor_torque", running ? 100 * powerKw / 7.5 / Math.Max(ratio, 0.1) : 0);
            drive.Set("dc_voltage", 540);
            drive.Set("output_power", powerKw);
            drive.Set("run_time_counter", Math.Floor(_runSeconds[i] / 86400 + 400 + i * 30));
        }
    }

    /// <summary>True while the duty pump runs dry (the suction tank is empty): low power, no flow.</summary>
    public bool DryRunning => _dryRun && DutyRunning;

    /// <summary>True while a pump runs (its drive's run-feedback contact is closed).</summary>
    public bool DutyRunning => _frequency.Any(f => f > 1);

    public override bool Fault(string fault, string? target)
    {
        int pump = target == "2" ? 1 : target == "1" ? 0 : _duty;
        switch (fault)
        {
            case "trip": _tripped[pump] = true; return true;
            case "dry_run": _dryRun = true; return true;
            case "short_cycle": _shortCycle = true; return true;
            case "clear": Array.Clear(_tripped); _dryRun = false; _shortCycle = false; return true;
            default: return false;
        }
    }

    public override string Describe() =>
        $"duty pump {_duty + 1} at {_frequency[_duty]:F1} Hz" + (_tripped.Any(t => t) ? $", pump {Array.IndexOf(_tripped, true) + 1} TRIPPED" : "") + (_dryRun ? ", DRY RUN" : "");
}
