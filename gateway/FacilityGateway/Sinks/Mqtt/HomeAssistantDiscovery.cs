using System.Text.Json;
using FacilityGateway.Configuration;
using MQTTnet;
using MQTTnet.Protocol;

namespace FacilityGateway.Sinks.Mqtt;

/// <summary>
/// Home Assistant MQTT discovery: one retained config message per point, so Home Assistant shows it as a sensor with its
/// unit, grouped by device, available while the gateway's status is online.
/// </summary>
public sealed class HomeAssistantDiscovery(string prefix, MqttTopics topics, SinkContext context)
{

    /// <summary>
    /// Home Assistant's object ids are <c>[a-zA-Z0-9_-]</c> only: ids in other scripts (a Chinese asset id is allowed)
    /// become their UTF-8 bytes in hex, so the id stays unique and stable.
    /// </summary>
    internal static string ObjectId(string id)
    {
        var sb = new System.Text.StringBuilder(id.Length);
        foreach (var rune in id.EnumerateRunes())
        {
            if (rune.IsAscii && (char.IsAsciiLetterOrDigit((char)rune.Value) || rune.Value is '_' or '-'))
                sb.Append((char)rune.Value);
            else if (rune.Value == '.')
                sb.Append('_');
            else
                sb.Append(Convert.ToHexStringLower(System.Text.Encoding.UTF8.GetBytes(rune.ToString())));
        }
        return sb.ToString();
    }

    public IEnumerable<MqttApplicationMessage> Messages()
    {
        var assets = context.Assets.DistinctBy(a => a.Id).ToDictionary(a => a.Id, StringComparer.Ordinal);
        foreach (var device in context.Devices)
        {
            assets.TryGetValue(device.Asset, out var asset);
            foreach (var point in device.DescribePoints())
            {
                string objectId = ObjectId($"{context.GatewayId}_{device.Id}_{point.Id}");
                string field = point.Id;
                var payload = new Dictionary<string, object?>
                {
                    ["name"] = point.Name ?? point.Id,
                    ["unique_id"] = objectId,
                    ["object_id"] = objectId,
                    ["state_topic"] = topics.Telemetry(device.Id),
                    // Report-by-exception leaves unchanged points out of a message: keep the last state then.
                    ["value_template"] = $"{{% if '{field}' in value_json.points %}}{{{{ value_json.points['{field}'].v if value_json.points['{field}'].v is not none else value_json.points['{field}'].s }}}}{{% else %}}{{{{ this.state }}}}{{% endif %}}",
                    ["availability_topic"] = topics.Status,
                    ["payload_available"] = "online",
                    ["payload_not_available"] = "offline",
                    ["unit_of_measurement"] = point.Unit.Length > 0 ? point.Unit : null,
                    ["device"] = new Dictionary<string, object?>
                    {
                        ["identifiers"] = new[] { $"{context.GatewayId}_{device.Id}" },
                        ["name"] = asset?.Name ?? device.Id,
                        ["model"] = asset?.Model,
                        ["manufacturer"] = asset?.Manufacturer,
                        ["suggested_area"] = asset?.Location.Room,
                        ["via_device"] = context.GatewayId,
                    },
                };
                yield return new MqttApplicationMessageBuilder()
                    .WithTopic($"{prefix}/sensor/{objectId}/config")
                    .WithPayload(Readings.UnicodeJson.SerializeToUtf8Bytes(payload.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value)))
                    .WithRetainFlag()
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                    .Build();
            }
        }
    }
}
