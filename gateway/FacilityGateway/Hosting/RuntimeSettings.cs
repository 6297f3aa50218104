using System.Collections;
using System.Runtime.InteropServices;
using System.Text;

namespace FacilityGateway.Hosting;

/// <summary>
/// The .NET runtime settings the shipped gateway is measured with (docs/PERFORMANCE.md), applied whatever starts it:
/// the systemd unit, the container, a technician typing <c>facility-gateway run</c> or the demo command.
/// <para>
/// These are read by the runtime (and glibc) only from the environment, before any managed code runs: the runtimeconfig
/// knob <c>System.GC.Gen0Size</c> is ignored by .NET 10's GC (measured: 122 gen-0 collections a minute with the
/// variable, 10 without it and the same with the knob), and the sockets setting is read once at first use. So
/// <c>run</c> (and <c>modbus read</c>, whose <c>--repeat</c> measures the client as the gateway runs it) re-executes itself once, before it has started anything, with the missing variables added:
/// <c>execve</c> of <c>/proc/self/exe</c> with the same arguments keeps the process id (systemd's main PID, a
/// container's PID 1), the open descriptors and every variable already set. A variable the operator set wins; with
/// <c>FACILITY_GATEWAY_RUNTIME_SETTINGS=off</c> nothing is changed.
/// </para>
/// <list type="bullet">
/// <item><c>DOTNET_GCgen0size=200000</c>: a 2 MiB gen-0 budget instead of one sized from the CPU's cache (the JIT
/// build's GC otherwise keeps 37-42 MB committed for a 13 MB live heap on a large-cache CPU). Hexadecimal without
/// <c>0x</c>: the JIT runtime reads it either way, but the Native AOT runtime (the shipped build) reads hex digits only
/// and ignores a value with <c>0x</c> as a parse error.</item>
/// <item><c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>: socket completions run on the epoll thread instead of
/// hopping to the pool: 81.5 -> 50.4 µs of CPU per Modbus TCP read. The gateway never blocks in a completion.</item>
/// <item><c>MALLOC_ARENA_MAX=2</c>: glibc's allocator keeps two arenas instead of up to eight a core, each grown
/// and kept by the threads that once used it (SQLite, the runtime's own allocations). Read by glibc at start only.</item>
/// <item><c>DOTNET_EnableWriteXorExecute=0</c>: no double mapping of JIT code (less memory and start-up time) where
/// the gateway runs on the JIT (<c>dotnet facility-gateway.dll</c>, the tests); the native build has no JIT.</item>
/// </list>
/// </summary>
public static class RuntimeSettings
{
    /// <summary>Set on the re-executed process, so it never re-executes twice; <c>off</c> turns the whole thing off.</summary>
    public const string Marker = "FACILITY_GATEWAY_RUNTIME_SETTINGS";

    /// <summary>The settings, each applied only where the environment does not already name it.</summary>
    public static readonly IReadOnlyList<KeyValuePair<string, string>> Settings =
    [
        new("DOTNET_GCgen0size", "200000"),
        new("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1"),
        new("DOTNET_EnableWriteXorExecute", "0"),
        new("MALLOC_ARENA_MAX", "2"),
    ];

    /// <summary>
    /// Re-executes this process with the missing settings, or returns when there is nothing to do or it cannot (not
    /// Linux, no <c>/proc</c>, <c>execve</c> refused): the gateway then runs on the runtime's defaults, as before.
    /// </summary>
    public static void ApplyByReexecuting()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(Marker) is { Length: > 0 })
            return;
        var missing = Settings.Where(s => Environment.GetEnvironmentVariable(s.Key) is null).ToList();
        if (missing.Count == 0)
            return;
        string[] argv;
        try
        {
            argv = ReadCommandLine();
        }
        catch (IOException)
        {
            return;
        }
        catch (UnauthorizedAccessException)
        {
            return;
        }
        if (argv.Length == 0)
            return;
        var environment = new List<string?>();
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
            environment.Add($"{variable.Key}={variable.Value}");
        environment.AddRange(missing.Select(s => $"{s.Key}={s.Value}"));
        environment.Add($"{Marker}=applied");
        environment.Add(null);
        string?[] arguments = [.. argv, null];
        RemoveOwnDiagnosticsSocket();
        // Returns only when the kernel refused (no such file, E2BIG...): carry on without the settings.
        _ = Execve("/proc/self/exe", arguments, [.. environment]);
    }

    /// <summary>
    /// Removes the runtime's diagnostics socket (<c>$TMPDIR/dotnet-diagnostic-PID-KEY-socket</c>; the JIT runtime's,
    /// the native build has none) before the process image is replaced. The listening descriptor closes at
    /// <c>execve</c> but the file stays, and the new runtime, with the same process id and start time (the key), could
    /// not bind its own: measured, dotnet-counters, dotnet-dump and every other diagnostics client were refused.
    /// </summary>
    private static void RemoveOwnDiagnosticsSocket()
    {
        try
        {
            foreach (string socket in Directory.EnumerateFiles(Path.GetTempPath(), $"dotnet-diagnostic-{Environment.ProcessId}-*-socket"))
                File.Delete(socket);
        }
        catch (IOException)
        {
            // Not ours to remove, or gone already: the new runtime then goes without, as before.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>This process's argv, exactly as the kernel has it (the dotnet host's too when started as a dll).</summary>
    private static string[] ReadCommandLine()
    {
        byte[] raw = File.ReadAllBytes("/proc/self/cmdline");
        string all = Encoding.UTF8.GetString(raw);
        return all.Split('\0', StringSplitOptions.None) is var parts && parts.Length > 0 && parts[^1].Length == 0
            ? parts[..^1]
            : parts;
    }

    // Plain DllImport: string arrays marshal as NULL-terminated char** of UTF-8 on Linux, which LibraryImport would
    // need a hand-written marshaller for. Nothing else of libc is used.
    [DllImport("libc", EntryPoint = "execve", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Execve(string path, string?[] argv, string?[] envp);
}
