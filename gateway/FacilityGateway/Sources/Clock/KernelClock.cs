using System.Runtime.InteropServices;

namespace FacilityGateway.Sources.Clock;

/// <summary>Whether the kernel counts the system clock as synchronised (an NTP client disciplines it).</summary>
public interface IKernelClock
{
    /// <summary>False while the kernel's clock state is TIME_ERROR (its STA_UNSYNC flag, what timedatectl shows as "System clock synchronized: no").</summary>
    bool IsSynchronised();
}

/// <summary>
/// adjtimex(2) with no modes set only reads the state: systemd-timesyncd and chrony clear STA_UNSYNC once they have set
/// the clock, so a board without a real-time clock reports TIME_ERROR from boot until its first synchronisation.
/// </summary>
public sealed class KernelClock : IKernelClock
{
    private const int TimeError = 5;

    public bool IsSynchronised()
    {
        if (!OperatingSystem.IsLinux())
            return true;
        var timex = new byte[512]; // struct timex is 208 bytes on 64-bit Linux, less on 32-bit; modes (offset 0) = 0: read only
        try
        {
            return Adjtimex(timex) != TimeError;
        }
        catch (EntryPointNotFoundException)
        {
            return true;
        }
        catch (DllNotFoundException)
        {
            return true;
        }
    }

    [DllImport("libc", EntryPoint = "adjtimex", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Adjtimex([In, Out] byte[] timex);
}
