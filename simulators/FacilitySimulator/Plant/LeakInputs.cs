namespace FacilitySimulator.Plant;

/// <summary>Leak probes and a float switch wired to a digital input module. Fault <c>leak</c> wets a zone; <c>clear</c> dries it.</summary>
public sealed class LeakInputs(string id, ProfileRegisters registers, IReadOnlyList<string> zones) : SimulatedDevice(id)
{
    private readonly HashSet<string> _wet = [];

    public override void Tick(DateTimeOffset now, TimeSpan dt)
    {
        foreach (var zone in zones)
            registers.Set(zone, _wet.Contains(zone) ? 1 : 0);
    }

    public override bool Fault(string fault, string? target)
    {
        string zone = target ?? zones[0];
        switch (fault)
        {
            case "leak": _wet.Add(zone); return true;
            case "clear": _wet.Remove(zone); return true;
            default: return false;
        }
    }

    public override string Describe() => _wet.Count == 0 ? "all dry" : $"WET: {string.Join(", ", _wet)}";
}
