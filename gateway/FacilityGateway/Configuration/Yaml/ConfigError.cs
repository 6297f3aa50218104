namespace FacilityGateway.Configuration.Yaml;

/// <summary>How bad a configuration finding is.</summary>
public enum ConfigSeverity
{
    /// <summary>The gateway will not start with it.</summary>
    Error,
    /// <summary>It starts, but an installer should look.</summary>
    Warning,
}

/// <summary>One finding about a configuration: where, which key, what is wrong, and what to do.</summary>
public sealed record ConfigError(SourceLocation Location, string KeyPath, string Message, string? Hint = null, ConfigSeverity Severity = ConfigSeverity.Error)
{
    /// <summary><c>file:line:col: error: key.path: message (hint)</c>.</summary>
    public override string ToString()
    {
        string severity = Severity == ConfigSeverity.Error ? "error" : "warning";
        string key = KeyPath.Length > 0 ? $"{KeyPath}: " : "";
        string hint = Hint is null ? "" : $"\n    hint: {Hint}";
        return $"{Location}: {severity}: {key}{Message}{hint}";
    }
}

/// <summary>
/// Collects every finding, so an installer sees them all at once rather than the first; at most
/// <see cref="MaxFindings"/>, then one line saying the rest are not shown (a 10 KB alias bomb gave 600,000 lines).
/// </summary>
public sealed class ConfigErrors
{
    /// <summary>Most findings kept.</summary>
    public const int MaxFindings = 200;

    private readonly List<ConfigError> _items = [];
    private bool _hasErrors;

    /// <summary>All findings in the order found.</summary>
    public IReadOnlyList<ConfigError> Items => _items;

    /// <summary>True when at least one finding is an error.</summary>
    public bool HasErrors => _hasErrors;

    /// <summary>
    /// Binding stopped part way (a file past the binder's value limit): checking what was bound would only report the
    /// rest as missing, so the loader stops at the one finding.
    /// </summary>
    public bool BindingStopped { get; internal set; }

    /// <summary>Findings not kept beyond <see cref="MaxFindings"/>.</summary>
    public int Omitted { get; private set; }

    /// <summary>Adds an error.</summary>
    public void Error(SourceLocation location, string keyPath, string message, string? hint = null) =>
        Add(new ConfigError(location, keyPath, message, hint));

    /// <summary>Adds a warning.</summary>
    public void Warning(SourceLocation location, string keyPath, string message, string? hint = null) =>
        Add(new ConfigError(location, keyPath, message, hint, ConfigSeverity.Warning));

    private void Add(ConfigError finding)
    {
        _hasErrors |= finding.Severity == ConfigSeverity.Error;
        if (_items.Count < MaxFindings)
        {
            _items.Add(finding);
            return;
        }
        if (Omitted++ == 0)
            _items.Add(new ConfigError(finding.Location, "", $"more than {MaxFindings} findings: the rest are not shown", "fix these first (often one mistake repeated, or an anchor used many times), then validate again"));
    }
}

/// <summary>Thrown when a configuration has errors; carries all of them. Never shown with a stack trace.</summary>
public sealed class ConfigurationException(IReadOnlyList<ConfigError> errors)
    : Exception($"The configuration has {errors.Count(e => e.Severity == ConfigSeverity.Error)} error(s).")
{
    /// <summary>Every finding.</summary>
    public IReadOnlyList<ConfigError> Errors { get; } = errors;
}
