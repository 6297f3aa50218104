using FacilityGateway.Modbus.Codec;
using FacilityGateway.Readings;
using FacilityGateway.Sinks.Mqtt;
using FacilityGateway.Sources.Modbus;

namespace FacilityGateway.Tests.Sources;

public sealed class PointValueTests
{
    [Fact]
    public void Float32Value_GoesOutAsTheDevicesShortestText_NotWithFloatNoise()
    {
        // Regression: 1183.4 read as float32 went out as 1183.4000244140625 (the float's exact binary value).
        double widened = 1183.4f;
        Assert.NotEqual(1183.4, widened);
        double value = PointDecoder.ShortestOfSource(widened, ModbusDataType.Float32);
        Assert.Equal(1183.4, value);
        Assert.Equal(1183.4f, (float)value); // still exactly what the device sent

        var at = DateTimeOffset.UnixEpoch;
        string json = System.Text.Encoding.UTF8.GetString(TelemetryPayload.Encode("e-1", new ReadingBatch("m", "a", at, []), [new("m", "flow", value, null, "m³/h", Quality.Good, at)]));
        Assert.Contains("\"v\":1183.4,", json, StringComparison.Ordinal);
        Assert.Contains("m³/h", json, StringComparison.Ordinal);
    }

    [Fact]
    public void ScaledValue_HasNoMultiplicationNoise_AndLargeCountersKeepEveryDigit()
    {
        Assert.Equal(230.5, PointDecoder.Shortest(2305 * 0.1)); // 230.50000000000003 before
        Assert.Equal(0.3, PointDecoder.Shortest(0.1 + 0.2));
        Assert.Equal(123456789012345.0, PointDecoder.ShortestOfSource(123456789012345.0, ModbusDataType.UInt64));
    }
}
