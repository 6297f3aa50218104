using FacilityGateway.Configuration.Yaml;
using FacilityGateway.Readings;
using YamlDotNet.RepresentationModel;

namespace FacilityGateway.Configuration;

/// <summary>
/// The <c>alarms:</c> written for one point of a device, as YAML: a device kind says where they are, the alarms' part
/// binds and resolves them (<c>Alarms/AlarmsConfiguration</c>). <paramref name="DeclaredIn"/> is the mapping that holds
/// the key, for file, line and key path.
/// </summary>
public sealed record PointAlarms(PointInfo Point, YamlNode Alarms, ConfigNode DeclaredIn);
