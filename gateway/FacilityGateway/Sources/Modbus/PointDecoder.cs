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
        double value = point.Scaling.Apply(raw);
        var quality = value < point.Minimum || value > point.Maximum ? Quality.UncertainOutOfRange : Quality.Good;
        return new Reading(deviceId, point.Id, value, point.Meaning?.Word(value != 0), point.Unit, quality, sampledAt);
    }
}
