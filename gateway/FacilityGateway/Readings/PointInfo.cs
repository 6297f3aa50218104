namespace FacilityGateway.Readings;

/// <summary>
/// What the rest of the gateway needs to know about a point of a device: its id, name, unit and deadband (report by
/// exception), its plausible range when it has one, and what a contact means (leak, run feedback...).
/// </summary>
public sealed record PointInfo(string Id, string? Name, string Unit, double Deadband, double? Minimum = null, double? Maximum = null, InputMeaning? Meaning = null);
