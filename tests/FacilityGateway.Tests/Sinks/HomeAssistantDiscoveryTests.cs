using System.Text;
using System.Text.Json;
using FacilityGateway.Configuration;
using FacilityGateway.Sinks.Mqtt;

namespace FacilityGateway.Tests.Sinks;

public class HomeAssistantDiscoveryTests
{
    [Fact]
    public void EveryPoint_GetsARetainedSensorConfig_WithUnitStateTopicAndAvailability()
    {
        var (config, _) = FacilityGateway.Hosting.GatewayParts.Load(RepositoryPaths.Config("example.yaml"));
        var topics = new MqttTopics("facility", config.Gateway.Site, config.Gateway.Id);
        var messages = new HomeAssistantDiscovery("homeassistant", topics, FacilityGateway.Sinks.SinkContext.Of(config)).Messages().ToList();

        int points = config.Devices.Sum(d => d.DescribePoints().Count());
        Assert.Equal(points, messages.Count);
        Assert.All(messages, m => Assert.True(m.Retain));
        var power = messages.Single(m => m.Topic == "homeassistant/sensor/riverside-plantroom-b1_main-meter_power_total/config");
        var json = JsonDocument.Parse(Encoding.UTF8.GetString(power.Payload)).RootElement;
        Assert.Equal("W", json.GetProperty("unit_of_measurement").GetString());
        Assert.Equal(topics.Telemetry("main-meter"), json.GetProperty("state_topic").GetString());
        Assert.Equal(topics.Status, json.GetProperty("availability_topic").GetString());
        Assert.Equal("Main incomer energy meter", json.GetProperty("device").GetProperty("name").GetString());
        Assert.Contains("value_json.points['power_total'].v", json.GetProperty("value_template").GetString(), StringComparison.Ordinal);
    }
}
