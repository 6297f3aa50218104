using System.Runtime.CompilerServices;

namespace FacilityGateway.Tests;

/// <summary>Paths in the repository, found from this source file, so tests read the real config/ and docs.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Config(params string[] parts) => Path.Combine([Root, "config", .. parts]);

    private static string FindRoot([CallerFilePath] string path = "")
    {
        var dir = new DirectoryInfo(Path.GetDirectoryName(path)!);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FacilityGateway.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("FacilityGateway.sln not found above " + path);
    }
}
