using System.Globalization;
using System.Runtime.InteropServices;

namespace FacilityGateway.Hosting;

/// <summary>
/// One gateway per data directory: <c>run</c> holds an exclusive lock on <c>gateway.lock</c> (released by the kernel
/// when the process ends, however it ends) and writes its process id beside it in <c>gateway.pid</c> (.NET refuses
/// readers of a locked file). <c>reload</c> and <c>health</c> find the running gateway through them.
/// </summary>
public static class GatewayInstance
{
    /// <summary>Takes the data directory for this process; null when another gateway holds it.</summary>
    public static FileStream? Lock(string directory)
    {
        try
        {
            var stream = new FileStream(Path.Combine(directory, "gateway.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            stream.SetLength(0);
            stream.Write(System.Text.Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n"));
            stream.Flush();
            File.WriteAllText(Path.Combine(directory, "gateway.pid"), $"{Environment.ProcessId}\n");
            return stream;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The process id of the gateway running on <paramref name="directory"/>, or null with why there is none.</summary>
    public static (int? Pid, string? Problem) Running(string directory)
    {
        // The lock says whether a gateway runs here, so a stale gateway.pid never gets another process signalled.
        try
        {
            using var free = new FileStream(Path.Combine(directory, "gateway.lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return (null, $"no gateway is running with data_directory {directory}");
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return (null, $"no gateway has run with data_directory {directory}");
        }
        catch (UnauthorizedAccessException)
        {
            return (null, $"cannot open {directory}/gateway.lock: run as the gateway's user or root");
        }
        catch (IOException)
        {
            // Held: a gateway runs. Its process id is beside the lock.
        }
        string pidFile = Path.Combine(directory, "gateway.pid");
        try
        {
            return int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0
                ? (pid, null)
                : (null, $"{pidFile} does not hold a process id");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, $"cannot read {pidFile}: {ex.Message}");
        }
    }

    /// <summary>SIGHUP to the gateway running on <paramref name="directory"/>: null when sent, else why not.</summary>
    public static string? RequestReload(string directory)
    {
        var (pid, problem) = Running(directory);
        if (pid is not { } id)
            return problem;
        return Kill(id, 1 /* SIGHUP */) == 0 ? null : $"cannot signal process {id}: {Marshal.GetLastPInvokeErrorMessage()} (run as the gateway's user or root)";
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);
}
