using System.Diagnostics;

namespace FacilityGateway.IntegrationTests.Infrastructure;

/// <summary>
/// A real, small file system for one test: a tmpfs of a few megabytes mounted on a temporary folder (root only, as the
/// test command runs), which the test can fill to the last byte and free again.
/// </summary>
public sealed class SmallDisk : IAsyncDisposable
{
    private SmallDisk(string path) => Path = path;

    public string Path { get; }

    private string Filler => System.IO.Path.Combine(Path, "filler");

    public static async Task<SmallDisk> MountAsync(int megabytes)
    {
        if (Environment.UserName != "root")
            Assert.Fail("mounting a small file system needs root: run the tests with ./test.sh as root (CI does)");
        string path = Directory.CreateTempSubdirectory("fg-disk-").FullName;
        await RunAsync("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", path);
        return new SmallDisk(path);
    }

    /// <summary>Writes a file until the file system has no byte left (another program filling the card).</summary>
    public async Task FillAsync()
    {
        await using var stream = new FileStream(Filler, FileMode.Append, FileAccess.Write, FileShare.None, 1, FileOptions.None);
        var block = new byte[4096];
        try
        {
            while (true)
                await stream.WriteAsync(block);
        }
        catch (IOException)
        {
        }
        try
        {
            while (true)
                await stream.WriteAsync(block.AsMemory(0, 1)); // and the last bytes
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Deletes what <see cref="FillAsync"/> wrote.</summary>
    public void Free() => File.Delete(Filler);

    private static async Task RunAsync(string command, params string[] arguments)
    {
        var (code, output) = await PeerProcess.RunAsync(TimeSpan.FromSeconds(30), command, arguments);
        Assert.True(code == 0, $"{command} {string.Join(' ', arguments)}: exit {code}: {output}");
    }

    public async ValueTask DisposeAsync()
    {
        using (var umount = Process.Start("umount", ["-l", Path]))
            await umount.WaitForExitAsync();
        Directory.Delete(Path, recursive: true);
    }
}
