using FacilityGateway.Configuration.Yaml;
using YamlDotNet.RepresentationModel;

namespace FacilityGateway.Sources.Modbus.Profiles;

/// <summary>
/// A device's point with the id of a profile point changes that point rather than replacing it: what the device writes
/// wins, the rest (type, byte order, scale, unit, deadband, range) stays the profile's, and its alarms are added to the
/// profile's. So <c>- { id: power_total, alarms: [...] }</c> adds an alarm, and a new <c>register:</c> moves the point
/// but keeps its float32 type. (Replacing it read a float's high word as an integer: 17,765 W for 3,664 W.)
/// </summary>
internal static class ProfilePointMerge
{
    private static readonly string[] AddressKeys = ["coil", "discrete", "input", "holding", "register"];

    public static ModbusPointOptions Merge(ModbusPointOptions profile, ModbusPointOptions device)
    {
        var merged = new ModbusPointOptions { Origin = device.Origin, KeyPath = device.KeyPath };
        bool moved = AddressKeys.Any(device.Has);
        foreach (var (key, property) in YamlBinder.BindableProperties(typeof(ModbusPointOptions)))
        {
            bool fromDevice = device.Has(key) || (moved && AddressKeys.Contains(key));
            var source = fromDevice ? device : profile;
            property.SetValue(merged, property.GetValue(source));
            if (source.Has(key))
                merged.KeyLocations[key] = source.OriginOf(key);
        }
        if (profile.Alarms is YamlSequenceNode profileAlarms && device.Alarms is YamlSequenceNode deviceAlarms)
            merged.Alarms = new YamlSequenceNode(profileAlarms.Children.Concat(deviceAlarms.Children));
        return merged;
    }
}
