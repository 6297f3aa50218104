namespace FacilityGateway.Sources.Writes;

/// <summary>
/// A source whose devices can be written: Modbus lines (through their arbiter, ahead of polls, never interleaved with
/// another request). The checks of who may write what are the Commands part's; this only writes.
/// </summary>
public interface IPointWriter
{
    /// <summary>Whether the device is one of this source's.</summary>
    bool Has(string deviceId);

    /// <summary>Writes <paramref name="value"/> (in the point's unit) to the point, reading it before and, if asked, after.</summary>
    Task<PointWriteResult> WriteAsync(string deviceId, string pointId, double value, CancellationToken cancellationToken);
}

/// <summary>How a write went: written or not, what the device held before and holds after (null when unknown), and why not.</summary>
public sealed record PointWriteResult(bool Written, double? Before, double? After, string? Error)
{
    /// <summary>Refused before anything was sent.</summary>
    public static PointWriteResult Refused(string why) => new(false, null, null, why);
}
