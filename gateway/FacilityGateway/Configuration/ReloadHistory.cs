using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Configuration;

/// <summary>
/// What became of each configuration reload in this process (SIGHUP, <c>systemctl reload</c>,
/// <c>facility-gateway reload</c>): the gateway runs on through a refused one, so this is where it shows.
/// </summary>
public sealed class ReloadHistory
{
    private long _applied;
    private long _refused;
    private volatile IReadOnlyList<ConfigError> _lastFindings = [];

    /// <summary>Reloads applied.</summary>
    public long Applied => Interlocked.Read(ref _applied);

    /// <summary>Reloads refused because the new configuration had errors.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>The errors of the last refused reload; empty once one is applied.</summary>
    public IReadOnlyList<ConfigError> LastFindings => _lastFindings;

    /// <summary>True while the configuration on disk is not the one running (the last reload was refused).</summary>
    public bool RunningOnLastGood => _lastFindings.Count > 0;

    public void RecordApplied()
    {
        Interlocked.Increment(ref _applied);
        _lastFindings = [];
    }

    public void RecordRefused(IReadOnlyList<ConfigError> findings)
    {
        Interlocked.Increment(ref _refused);
        _lastFindings = findings;
    }
}
