using System.Globalization;
using FacilityGateway.Modbus.Codec;
using FacilityGateway.Modbus.Planning;
using FacilityGateway.Modbus.Protocol;
using FacilityGateway.Readings;

namespace FacilityGateway.Sources.Modbus;

/// <summary>Turns what a device read gave for a point into a reading: decoded, scaled, range-checked, with its quality.</summary>
internal static class PointDecoder
{
    public static Reading Decode(string deviceId, ModbusPoint point, DeviceReadResult result, int index, DateTimeOffset sampledAt)
    {
        switch (result.Status(index))
        {
            case PointReadStatus.Good:
                break;
            case PointReadStatus.IllegalAddress:
                return Reading.Bad(deviceId, point.Id, point.Unit, Quality.BadIllegalAddress, sampledAt);
            default:
                return Reading.Bad(deviceId, point.Id, point.Unit, result.Error(index) is ModbusServerException ? Quality.BadDeviceFailure : Quality.BadCommFailure, sampledAt);
        }

        var registers = result.Registers(index);
        if (point.Format.Type == ModbusDataType.String)
        {
            string text = ModbusValueCodec.DecodeString(registers, point.Format);
            return text.All(c => c >= ' ' && c < 127)
                ? new Reading(deviceId, point.Id, double.NaN, text, point.Unit, Quality.Good, sampledAt)
                : Reading.Bad(deviceId, point.Id, point.Unit, Quality.BadDecodeError, sampledAt);
        }
        double raw = ModbusValueCodec.DecodeDouble(registers, point.Format);
        if (!double.IsFinite(raw))
            return Reading.Bad(deviceId, point.Id, point.Unit, Quality.BadDecodeError, sampledAt);
        double source = ShortestOfSource(raw, point.Format.Type);
        double value = point.Scaling is { Scale: 1, Offset: 0 } ? source : Shortest(point.Scaling.Apply(source));
        var quality = value < point.Minimum || value > point.Maximum ? Quality.UncertainOutOfRange : Quality.Good;
        return new Reading(deviceId, point.Id, value, point.Meaning?.Word(value != 0), point.Unit, quality, sampledAt);
    }

    /// <summary>
    /// A float32 register pair as the device meant it: the double nearest the float's shortest decimal text (1183.4, not
    /// 1183.4000244140625, which is the float's exact binary value and what a plain widening gives).
    /// </summary>
    internal static double ShortestOfSource(double raw, ModbusDataType type)
    {
        if (type != ModbusDataType.Float32)
            return raw;
        float single = (float)raw;
        if (IsSmallInteger(single))
            return single; // a whole number is its own shortest text
        Span<char> text = stackalloc char[32];
        return single.TryFormat(text, out int length, "R", CultureInfo.InvariantCulture)
            ? double.Parse(text[..length], CultureInfo.InvariantCulture)
            : raw;
    }

    /// <summary>A scaled value without the binary noise of the multiplication (2305 x 0.1 is 230.50000000000003): 15 significant digits.</summary>
    internal static double Shortest(double value)
    {
        if (!double.IsFinite(value) || IsSmallInteger(value))
            return value;
        Span<char> text = stackalloc char[32];
        return value.TryFormat(text, out int length, "G15", CultureInfo.InvariantCulture)
            ? double.Parse(text[..length], CultureInfo.InvariantCulture)
            : value;
    }

    /// <summary>A whole number that both float32 and 15 significant digits hold exactly (|x| below 2^24).</summary>
    private static bool IsSmallInteger(double value) => Math.Abs(value) < 16_777_216 && value == Math.Floor(value);

}
