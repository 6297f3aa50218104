namespace FacilityGateway.Readings;

/// <summary>What the rest of the gateway needs to know about a point of a device: its id, name, unit and deadband.</summary>
public sealed record PointInfo(string Id, string? Name, string Unit, double Deadband);
