namespace FacilityGateway.IntegrationTests.Infrastructure;

/// <summary>Where the real peers are, and what to install when one is missing. A missing peer fails the test; it never skips.</summary>
public static class PeerTools
{
    /// <summary>Debian's Python, which sees Debian's python3-pymodbus (a pyenv python on PATH would not).</summary>
    public const string Python = "/usr/bin/python3";

    public static string PeersDirectory => Path.Combine(AppContext.BaseDirectory, "Peers");

    public static string Require(string path, string package)
    {
        string? found = path.Contains('/') ? (File.Exists(path) ? path : null) : FindOnPath(path);
        if (found is null)
            Assert.Fail($"{path} is missing: install it with `apt-get install -y {package}` (./test.sh does this).");
        return found!;
    }

    public static void RequirePymodbus()
    {
        Require(Python, "python3");
        if (!Directory.Exists("/usr/lib/python3/dist-packages/pymodbus"))
            Assert.Fail("pymodbus is missing: install it with `apt-get install -y python3-pymodbus` (./test.sh does this).");
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin").Append("/usr/bin")
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
