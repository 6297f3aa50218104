namespace FacilityGateway.Readings;

/// <summary>
/// How far a reading can be trusted, after OPC UA's good / uncertain / bad. A value is never served silently when it
/// is not good: the quality says why.
/// </summary>
public enum Quality : byte
{
    /// <summary>Read just now and plausible.</summary>
    Good = 0,
    /// <summary>Read, but outside the point's plausible range.</summary>
    UncertainOutOfRange = 40,
    /// <summary>No fresh value: the last good one is older than allowed.</summary>
    UncertainStale = 41,
    /// <summary>Read and plausible, but taken while the system clock was not synchronised: its time may be wrong.</summary>
    UncertainClockNotSynchronised = 42,
    /// <summary>The device did not answer (timeout, connection, damaged frame).</summary>
    BadCommFailure = 80,
    /// <summary>The device refuses the point's address.</summary>
    BadIllegalAddress = 81,
    /// <summary>The registers do not make a value of the point's type (NaN, infinity, bad text).</summary>
    BadDecodeError = 82,
    /// <summary>The device answered with another exception (busy, failure).</summary>
    BadDeviceFailure = 83,
}

/// <summary>Facts about <see cref="Quality"/>.</summary>
public static class QualityExtensions
{
    /// <summary>True for <see cref="Quality.Good"/>.</summary>
    public static bool IsGood(this Quality quality) => quality == Quality.Good;

    /// <summary>True when the value was read just now and is plausible, whatever the clock: good, or good but for its time.</summary>
    public static bool IsFresh(this Quality quality) => quality is Quality.Good or Quality.UncertainClockNotSynchronised;

    /// <summary>True for the bad qualities: there is no value.</summary>
    public static bool IsBad(this Quality quality) => (byte)quality >= 80;

    /// <summary>The word used in payloads: good, uncertain_out_of_range, bad_comm_failure, ...</summary>
    public static string Name(this Quality quality) => quality switch
    {
        Quality.Good => "good",
        Quality.UncertainOutOfRange => "uncertain_out_of_range",
        Quality.UncertainStale => "uncertain_stale",
        Quality.UncertainClockNotSynchronised => "uncertain_clock_not_synchronised",
        Quality.BadCommFailure => "bad_comm_failure",
        Quality.BadIllegalAddress => "bad_illegal_address",
        Quality.BadDecodeError => "bad_decode_error",
        Quality.BadDeviceFailure => "bad_device_failure",
        _ => "bad",
    };
}
