using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Sources.Writes;

/// <summary>One write of a named command: <c>{ point: control_word, value: 1278, wait: 500ms }</c>.</summary>
public sealed class CommandStepOptions : ConfigNode
{
    /// <summary>The point written (it must be writable on the device).</summary>
    [RequiredKey, Describe("add 'point:', for example point: control_word")]
    public string Point { get; init; } = "";

    /// <summary>The value, in the point's unit.</summary>
    [RequiredKey, Describe("add 'value:', for example value: 1151")]
    public double Value { get; init; }

    /// <summary>How long to wait after this write before the next (a drive needs a moment to see an edge).</summary>
    public TimeSpan Wait { get; init; }
}
