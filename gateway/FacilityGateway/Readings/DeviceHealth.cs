using FacilityGateway.Configuration;

namespace FacilityGateway.Readings;

/// <summary>
/// The health of a locally read device (I2C, 1-Wire) as readings: offline after <see cref="OfflineAfterFailures"/>
/// failed reads in a row, the failed reads so far, the last error. <c>health.online</c> going to 0 is what raises the
/// device's automatic communication-loss alarm, as for a Modbus device.
/// </summary>
public sealed class DeviceHealth(string deviceId)
{
    /// <summary>Failed reads in a row before the device counts as offline (as for Modbus devices).</summary>
    public const int OfflineAfterFailures = 3;

    /// <summary>The points it reports.</summary>
    public static readonly PointInfo[] Points =
    [
        new("health.online", "Online", "", 0),
        new("health.failed_polls", "Failed reads", "", 0),
        new("health.last_error", "Last error", "", 0),
    ];

    private int _consecutive;
    private long _failed;
    private string _lastError = "";

    public bool Online => _consecutive < OfflineAfterFailures;

    public void Succeeded() => _consecutive = 0;

    public void Failed(string error)
    {
        _consecutive++;
        _failed++;
        _lastError = error;
    }

    public IEnumerable<Reading> Readings(DateTimeOffset at) =>
    [
        new(deviceId, "health.online", Online ? 1 : 0, null, "", Quality.Good, at),
        new(deviceId, "health.failed_polls", _failed, null, "", Quality.Good, at),
        new(deviceId, "health.last_error", double.NaN, _lastError, "", Quality.Good, at),
    ];
}
