using FacilityGateway.Readings;
using FacilityGateway.Sources.I2c;

namespace FacilityGateway.Tests.Gpio;

public class LoopScalingTests
{
    [Theory]
    [InlineData(4.0, 0.0, Quality.Good)]
    [InlineData(12.0, 5.0, Quality.Good)]
    [InlineData(20.0, 10.0, Quality.Good)]
    [InlineData(21.0, 10.625, Quality.UncertainOutOfRange)]
    public void FourToTwentyMilliamps_ScaleToTheRange(double milliamps, double expected, Quality quality)
    {
        var (value, q) = LoopScaling.Scale(milliamps, 0, 10, 3.6);
        Assert.Equal(expected, value, 9);
        Assert.Equal(quality, q);
    }

    [Fact]
    public void BelowWireBreakThreshold_IsBad_NotZero()
    {
        var (value, quality) = LoopScaling.Scale(1.2, 0, 10, 3.6);
        Assert.True(double.IsNaN(value));
        Assert.Equal(Quality.BadDeviceFailure, quality);
    }
}
