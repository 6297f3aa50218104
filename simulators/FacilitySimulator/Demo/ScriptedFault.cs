using FacilityGateway.Configuration.Yaml;

namespace FacilitySimulator.Demo;

/// <summary>A fault the simulator applies at a time after start: <c>{ at: 20s, device: leak-inputs, fault: leak, target: di0 }</c>.</summary>
public sealed class ScriptedFault : ConfigNode
{
    [RequiredKey] public TimeSpan At { get; set; }
    [RequiredKey] public string Device { get; set; } = "";
    [RequiredKey] public string Fault { get; set; } = "";
    public string? Target { get; set; }
}

/// <summary>A scenario file: ports and a fault schedule for the plant room.</summary>
public sealed class Scenario : ConfigNode
{
    /// <summary>Ports by name (meter, serial_server, leaks); 0 or missing picks a free port.</summary>
    public Dictionary<string, int> Ports { get; set; } = [];

    /// <summary>Faults on a schedule.</summary>
    public List<ScriptedFault> Faults { get; set; } = [];
}
