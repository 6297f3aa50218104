using FacilityGateway.Readings;

namespace FacilityGateway.Sources.I2c;

/// <summary>4-20 mA: the loop current to an engineering value, with wire-break and over-range detection.</summary>
public static class LoopScaling
{
    /// <summary>Above this the transmitter signals a fault or the value is off its scale (NAMUR NE 43: 20.5 mA).</summary>
    public const double OverRangeMilliamps = 20.5;

    public static (double Value, Quality Quality) Scale(double milliamps, double rangeMin, double rangeMax, double wireBreakBelow)
    {
        if (milliamps < wireBreakBelow)
            return (double.NaN, Quality.BadDeviceFailure); // broken wire or dead transmitter: not "zero"
        double value = rangeMin + (milliamps - 4) / 16 * (rangeMax - rangeMin);
        return (value, milliamps > OverRangeMilliamps || milliamps < 3.8 ? Quality.UncertainOutOfRange : Quality.Good);
    }
}
