namespace FacilityGateway.IntegrationTests.Infrastructure;

/// <summary>Files of the repository the tests check as shipped (the systemd unit, the Grafana dashboard, packaging).</summary>
public static class RepositoryFiles
{
    /// <summary>The folder of FacilityGateway.sln, found above the test's build output.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A path under the repository's root.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(System.IO.Path.Combine(directory.FullName, "FacilityGateway.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("FacilityGateway.sln not found above the test's folder");
    }
}
