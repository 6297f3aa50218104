using FacilityGateway.Configuration;
using FacilityGateway.Readings;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Sources.Clock;

/// <summary>The clock source, unless <c>gateway.clock_check</c> turns it off (or, on <c>auto</c>, outside systemd).</summary>
internal sealed class ClockSources : ISourceFactory
{
    public IEnumerable<ISource> Create(SourcePlan plan, IServiceProvider services)
    {
        if (!Checks(plan.Gateway.ClockCheck))
            return [];
        var kernel = services.GetService<IKernelClock>() ?? new KernelClock();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("FacilityGateway.Sources.Clock");
        return [new ClockSource(kernel, services.GetRequiredService<ClockStatus>(), plan.Gateway.Id, services.GetRequiredService<TimeProvider>(), logger)];
    }

    /// <summary>Whether the clock is checked: <c>auto</c> where systemd runs (a device: containers share the host's clock).</summary>
    public static bool Checks(ClockCheck check) => check switch
    {
        ClockCheck.Kernel => true,
        ClockCheck.Off => false,
        _ => Directory.Exists("/run/systemd/system"),
    };

    /// <summary>What <c>validate</c> says of the clock.</summary>
    public static string Describe(ClockCheck check, IKernelClock kernel) => !Checks(check)
        ? check == ClockCheck.Off
            ? "clock: not checked (clock_check: off)\n"
            : "clock: not checked (no systemd here: the host keeps the clock; clock_check: kernel to check anyway)\n"
        : kernel.IsSynchronised()
            ? "clock: synchronised\n"
            : "clock: NOT synchronised (no NTP yet?): readings will be marked uncertain_clock_not_synchronised until it is\n";
}
