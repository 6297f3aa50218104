using FacilityGateway.Tickets;
namespace FacilityGateway.Alarms;

/// <summary>
/// A resolved rule: what to watch on which point, with its defaults applied. For short_cycling <see cref="Limit"/> is the
/// most starts, <see cref="MaxAge"/> the window and <see cref="MinRun"/> the shortest run; for run_too_long
/// <see cref="MaxAge"/> is the longest run. With <see cref="OnlyWhen"/> the rule applies only while that point is on
/// (non-zero): otherwise it is suppressed by design (a low-pressure alarm of a pump that is commanded off).
/// </summary>
public sealed record AlarmRule(
    string Id,
    string DeviceId,
    string PointId,
    string AssetId,
    AlarmRuleType Type,
    double Limit,
    double Deadband,
    TimeSpan OnDelay,
    TimeSpan OffDelay,
    TimeSpan MaxAge,
    bool Latched,
    AlarmPriority Priority,
    string Message,
    string Unit,
    TimeSpan? RealarmAfter = null,
    TimeSpan? MinRun = null,
    PointRef? OnlyWhen = null)
{
    /// <summary>The rule id of a device's automatic communication-loss alarm.</summary>
    public static string CommLossId(string deviceId) => $"{deviceId}/comm_loss";

    /// <summary>A device's communication-loss rule: raised when the device goes offline (3 failed polls), P2, its message in the site's language.</summary>
    public static AlarmRule CommLoss(string deviceId, string assetId, TicketTexts texts) =>
        new(CommLossId(deviceId), deviceId, "health.online", assetId, AlarmRuleType.State, 0, 0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, false, AlarmPriority.P2,
            texts.CommunicationLost(deviceId), "");

    /// <summary>True when <paramref name="value"/> is in the alarm condition.</summary>
    public bool Breaches(double value) => Type switch
    {
        AlarmRuleType.High or AlarmRuleType.HighHigh or AlarmRuleType.RateOfChange => value > Limit,
        AlarmRuleType.Low or AlarmRuleType.LowLow => value < Limit,
        AlarmRuleType.State => value == Limit,
        _ => false,
    };

    /// <summary>True when <paramref name="value"/> is clear of the condition by the deadband.</summary>
    public bool Clears(double value) => Type switch
    {
        AlarmRuleType.High or AlarmRuleType.HighHigh or AlarmRuleType.RateOfChange => value <= Limit - Deadband,
        AlarmRuleType.Low or AlarmRuleType.LowLow => value >= Limit + Deadband,
        AlarmRuleType.State => value != Limit,
        _ => true,
    };
}
