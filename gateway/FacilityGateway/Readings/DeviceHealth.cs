using FacilityGateway.Configuration;

namespace FacilityGateway.Readings;

/// <summary>
/// The health of a device as readings: offline after <see cref="OfflineAfterFailures"/> failed reads in a row, the
/// failed reads so far, the last error (empty once a read succeeds). <c>health.online</c> going to 0 is what raises the
/// device's automatic communication-loss alarm. Modbus devices (<c>PolledDevice</c>) add their response time and back
/// off by <see cref="ConsecutiveFailures"/>; I2C and 1-Wire devices report these three.
/// </summary>
public sealed class DeviceHealth(string deviceId)
{
    /// <summary>Failed reads in a row before the device counts as offline.</summary>
    public const int OfflineAfterFailures = 3;

    /// <summary>The points it reports.</summary>
    public static readonly PointInfo[] Points =
    [
        new("health.online", "Online", "", 0),
        new("health.failed_polls", "Failed reads", "", 0),
        new("health.last_error", "Last error", "", 0),
    ];

    public bool Online => ConsecutiveFailures < OfflineAfterFailures;

    /// <summary>Failed reads since the last good one.</summary>
    public int ConsecutiveFailures { get; private set; }

    /// <summary>Failed reads since the gateway started.</summary>
    public long FailedReads { get; private set; }

    /// <summary>Why the last read failed; null once a read succeeds.</summary>
    public string? LastError { get; private set; }

    public void Succeeded()
    {
        ConsecutiveFailures = 0;
        LastError = null;
    }

    public void Failed(string error)
    {
        ConsecutiveFailures++;
        FailedReads++;
        LastError = error;
    }

    public Reading OnlineReading(DateTimeOffset at) => new(deviceId, "health.online", Online ? 1 : 0, null, "", Quality.Good, at);

    public Reading FailedReading(DateTimeOffset at) => new(deviceId, "health.failed_polls", FailedReads, null, "", Quality.Good, at);

    public Reading LastErrorReading(DateTimeOffset at) => new(deviceId, "health.last_error", double.NaN, LastError ?? "", "", Quality.Good, at);

    public IEnumerable<Reading> Readings(DateTimeOffset at) => [OnlineReading(at), FailedReading(at), LastErrorReading(at)];
}
