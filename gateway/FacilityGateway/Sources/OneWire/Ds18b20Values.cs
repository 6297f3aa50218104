using FacilityGateway.Readings;

namespace FacilityGateway.Sources.OneWire;

/// <summary>What a DS18B20 value means: 85.0 °C is its power-on value (a conversion that never ran), -127 a read failure.</summary>
public static class Ds18b20Values
{
    public static Quality QualityOf(double celsius) => celsius switch
    {
        85.0 or -127.0 or double.NaN => Quality.BadDecodeError,
        < -55 or > 125 => Quality.UncertainOutOfRange,
        _ => Quality.Good,
    };
}
