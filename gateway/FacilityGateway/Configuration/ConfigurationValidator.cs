using FacilityGateway.Configuration.Yaml;
using FacilityGateway.Readings;

namespace FacilityGateway.Configuration;

/// <summary>
/// Checks that span the whole configuration: ids, references, lines; then each device and list entry through its kind,
/// then the checks the parts registered (<see cref="ConfigurationRegistry.AddCheck"/>).
/// </summary>
internal static class ConfigurationValidator
{
    public static void Validate(ValidationContext context, ConfigurationRegistry registry)
    {
        var config = context.Config;
        var errors = context.Errors;

        CheckId(config.Gateway, config.Gateway.Id, "id", errors);
        if (config.Gateway.Site.Length > 0)
            CheckId(config.Gateway, config.Gateway.Site, "site", errors);
        if (!TryFindTimeZone(config.Gateway.TimeZone))
            errors.Error(config.Gateway.OriginOf("time_zone"), config.Gateway.PathOf("time_zone"), $"unknown time zone '{config.Gateway.TimeZone}'",
                "use an IANA name such as Europe/London, Europe/Berlin or Asia/Shanghai");

        Unique(config.Assets, a => a.Id, "asset", errors);
        Unique(config.Lines, l => l.Id, "line", errors);
        Unique(config.Devices, d => d.Id, "device", errors);
        foreach (var asset in config.Assets)
        {
            CheckId(asset, asset.Id, "id", errors);
            foreach (var task in asset.Maintenance)
            {
                if (task.EveryRunHours is null && task.EveryStarts is null && task.Every is null)
                    errors.Error(task.Origin, task.KeyPath, $"maintenance task '{task.Task}' has no interval", "add every_run_hours:, every_starts: or every:");
                foreach (var (lastKey, given, everyKey, has) in new[]
                {
                    ("last_done", task.LastDone is not null, "every", task.Every is not null),
                    ("last_done_run_hours", task.LastDoneRunHours is not null, "every_run_hours", task.EveryRunHours is not null),
                    ("last_done_starts", task.LastDoneStarts is not null, "every_starts", task.EveryStarts is not null),
                })
                {
                    if (given && !has)
                        errors.Error(task.OriginOf(lastKey), task.PathOf(lastKey), $"'{lastKey}' of maintenance task '{task.Task}' has no '{everyKey}' to count from it",
                            $"add {everyKey}:, or remove {lastKey}:");
                }
            }
        }
        foreach (var line in config.Lines)
        {
            if ((line.Serial is null) == (line.Tcp is null))
                errors.Error(line.Origin, line.KeyPath, $"line '{line.Id}' needs exactly one of 'serial:' or 'tcp:'",
                    "a serial port: serial: { device: /dev/ttyUSB0, baud: 9600 }; a TCP gateway: tcp: { host: 10.0.0.5, port: 502 }");
        }

        foreach (var (key, entries) in config.Lists)
        {
            Unique(entries, e => ((IListEntry)e).Id, key.TrimEnd('s'), errors);
            foreach (var entry in entries)
            {
                CheckId(entry, ((IListEntry)entry).Id, "id", errors);
                registry.Kind(key, ((IListEntry)entry).Kind).Check(entry, context);
            }
        }

        var assets = config.Assets.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var device in config.Devices)
        {
            CheckId(device, device.Id, "id", errors);
            if (device.Id == GatewayDevice.Id)
                errors.Error(device.OriginOf("id"), device.PathOf("id"), $"device id '{device.Id}' is reserved for the gateway's own health readings", "choose another id");
            if (device.Asset.Length > 0 && !assets.Contains(device.Asset))
            {
                string? suggestion = Names.Suggest(device.Asset, assets);
                errors.Error(device.OriginOf("asset"), device.PathOf("asset"), $"unknown asset '{device.Asset}'",
                    suggestion is not null ? $"did you mean '{suggestion}'? Assets are listed under 'assets:'" : "add it under 'assets:' or fix the id");
            }
            if (device.Interval < TimeSpan.FromMilliseconds(10))
                errors.Error(device.OriginOf("interval"), device.PathOf("interval"), $"interval {Durations.Format(device.Interval)} is too short", "use 10ms or more; 1s is typical");
            registry.Kind(ConfigurationRegistry.DevicesKey, device.Kind).Check(device, context);
        }

        foreach (var check in registry.Checks)
            check(context);
    }

    /// <summary>An error for each id given twice in <paramref name="items"/>.</summary>
    internal static void Unique<T>(IEnumerable<T> items, Func<T, string> id, string what, ConfigErrors errors) where T : ConfigNode
    {
        var first = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            string key = id(item);
            if (key.Length == 0)
                continue;
            if (first.TryGetValue(key, out var earlier))
                errors.Error(item.OriginOf("id"), item.PathOf("id"), $"duplicate {what} id '{key}' (first defined at {earlier.OriginOf("id")})", $"give each {what} its own id");
            else
                first[key] = item;
        }
    }

    /// <summary>
    /// Ids end up in MQTT topics, InfluxDB tags and URLs: letters and digits of any script (a Chinese site id is fine),
    /// '-', '_' and '.'; no spaces, slashes, MQTT wildcards or symbols.
    /// </summary>
    internal static void CheckId(ConfigNode node, string id, string key, ConfigErrors errors)
    {
        if (id.Length > 0 && !id.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.'))
            errors.Error(node.OriginOf(key), node.PathOf(key), $"'{id}' may only contain letters, digits, '-', '_' and '.'",
                "ids are used in MQTT topics and InfluxDB tags; write for example booster-pump-1 or 三号泵");
    }

    private static bool TryFindTimeZone(string id)
    {
        try
        {
            TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false;
        }
    }
}
