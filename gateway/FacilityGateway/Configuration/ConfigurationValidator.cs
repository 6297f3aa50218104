using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Configuration;

/// <summary>Checks that span the whole configuration: ids, references, lines; then each device through its kind.</summary>
internal static class ConfigurationValidator
{
    public static void Validate(ValidationContext context)
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
            var tasks = new Dictionary<string, MaintenanceTask>(StringComparer.Ordinal);
            foreach (var task in asset.Maintenance)
            {
                if (!tasks.TryAdd(Maintenance.UsageTracker.Slug(task.Task), task))
                    errors.Error(task.OriginOf("task"), task.PathOf("task"), $"maintenance task '{task.Task}' of asset '{asset.Id}' is already in its plan (first at {tasks[Maintenance.UsageTracker.Slug(task.Task)].OriginOf("task")})",
                        "give each task of an asset its own words: its tickets and due points are kept by them");
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
            if (!config.Devices.OfType<Sources.Modbus.ModbusDeviceOptions>().Any(d => d.Line == line.Id))
                errors.Warning(line.Origin, line.KeyPath, $"line '{line.Id}' has no devices: nothing will be polled on it",
                    $"add devices with line: {line.Id}, or remove the line");
            if ((line.Serial is null) == (line.Tcp is null))
                errors.Error(line.Origin, line.KeyPath, $"line '{line.Id}' needs exactly one of 'serial:' or 'tcp:'",
                    "a serial port: serial: { device: /dev/ttyUSB0, baud: 9600 }; a TCP gateway: tcp: { host: 10.0.0.5, port: 502 }");
        }

        var onCall = config.OnCall;
        if (onCall.P1SupervisorAfter <= onCall.P1SecondaryAfter)
            errors.Warning(onCall.OriginOf("p1_supervisor_after"), onCall.PathOf("p1_supervisor_after"),
                $"p1_supervisor_after ({Durations.Format(onCall.P1SupervisorAfter)}) is not after p1_secondary_after ({Durations.Format(onCall.P1SecondaryAfter)}): the supervisor is paged together with the secondary",
                "both count from the first page: for example p1_secondary_after: 10m, p1_supervisor_after: 20m");
        foreach (var person in onCall.Primary.Concat(onCall.Secondary).Append(onCall.Supervisor).OfType<string>().Distinct())
            if (!onCall.Contacts.ContainsKey(person))
                errors.Warning(onCall.OriginOf("contacts"), onCall.PathOf("contacts"), $"'{person}' is on the rota but has no contact details", $"add contacts: {{ {person}: {{ phone: ..., ntfy_topic: ... }} }}");

        var dashboard = config.Dashboard;
        int colon = dashboard.Listen.LastIndexOf(':');
        if (colon <= 0 || !ushort.TryParse(dashboard.Listen[(colon + 1)..], out _))
            errors.Error(dashboard.OriginOf("listen"), dashboard.PathOf("listen"), $"'{dashboard.Listen}' is not host:port",
                "for example listen: 0.0.0.0:8080 (the building's network) or 127.0.0.1:8080 (this machine only)");

        Unique(config.Sinks, s => s.Id, "sink", errors);
        foreach (var sink in config.Sinks)
        {
            CheckId(sink, sink.Id, "id", errors);
            Sinks.SinkKinds.All[sink.Kind].Validate(sink, context);
        }

        var assets = config.Assets.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var device in config.Devices)
        {
            CheckId(device, device.Id, "id", errors);
            if (device.Id == Outbox.OutboxService.GatewayDeviceId)
                errors.Error(device.OriginOf("id"), device.PathOf("id"), $"device id '{device.Id}' is reserved for the gateway's own health readings", "choose another id");
            if (device.Asset.Length > 0 && !assets.Contains(device.Asset))
            {
                string? suggestion = Names.Suggest(device.Asset, assets);
                errors.Error(device.OriginOf("asset"), device.PathOf("asset"), $"unknown asset '{device.Asset}'",
                    suggestion is not null ? $"did you mean '{suggestion}'? Assets are listed under 'assets:'" : "add it under 'assets:' or fix the id");
            }
            if (device.Interval < TimeSpan.FromMilliseconds(10))
                errors.Error(device.OriginOf("interval"), device.PathOf("interval"), $"interval {Durations.Format(device.Interval)} is too short", "use 10ms or more; 1s is typical");
            DeviceKinds.All[device.Kind].Validate(device, context);
        }

        var points = config.Devices.Where(d => d.Enabled && d.Id.Length > 0).DistinctBy(d => d.Id)
            .ToDictionary(d => d.Id, d => d.DescribePoints().DistinctBy(p => p.Id).ToDictionary(p => p.Id, StringComparer.Ordinal), StringComparer.Ordinal);
        Alarms.Equipment.EquipmentRuleResolver.Resolve(config, points, context);
    }

    private static void Unique<T>(IEnumerable<T> items, Func<T, string> id, string what, ConfigErrors errors) where T : ConfigNode
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
    private static void CheckId(ConfigNode node, string id, string key, ConfigErrors errors)
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
