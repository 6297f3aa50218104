namespace FacilityGateway.Configuration;

/// <summary>
/// Where <c>${NAME}</c> in the YAML comes from: the environment (an <c>EnvironmentFile=</c> of the unit, a container's
/// <c>-e</c>), else the systemd credential of that name (<c>LoadCredential=NAME:/etc/facility-gateway/credentials/NAME</c>,
/// read from <c>$CREDENTIALS_DIRECTORY</c>: readable by this service only, never in its environment, so never in a
/// crash dump's environment block or <c>systemctl show</c>). Never from the YAML itself.
/// </summary>
public static class SecretLookup
{
    /// <summary>The value of <paramref name="name"/>, or null.</summary>
    public static string? Find(string name) => Find(name, Environment.GetEnvironmentVariable);

    /// <summary>The value of <paramref name="name"/> from <paramref name="environment"/> or its credential file, or null.</summary>
    public static string? Find(string name, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment(name) is { } value)
            return value;
        if (environment("CREDENTIALS_DIRECTORY") is not { Length: > 0 } directory || name.Contains('/', StringComparison.Ordinal) || name.StartsWith('.'))
            return null;
        string file = Path.Combine(directory, name);
        try
        {
            return File.Exists(file) ? File.ReadAllText(file).TrimEnd('\n', '\r') : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
