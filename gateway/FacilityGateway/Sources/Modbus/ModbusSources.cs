using System.Diagnostics.Metrics;
using FacilityGateway.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Sources.Modbus;

/// <summary>The Modbus sources: one <see cref="LineArbiter"/> per line (its bus scheduler), all lines concurrently.</summary>
internal sealed class ModbusSources : ISourceFactory
{
    /// <summary>Longest wait between probes of a device that does not answer.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(1);

    public IEnumerable<ISource> Create(SourcePlan plan, IServiceProvider services)
    {
        var time = services.GetRequiredService<TimeProvider>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("FacilityGateway.Sources.Modbus");
        return [.. ModbusLines.Build(plan).Select(line => new LineArbiter(line, time, logger, MaxBackoff))];
    }

    /// <summary>The lines' instruments on this host's meter: a line kept over a reload keeps its counters.</summary>
    public void Observe(IReadOnlyList<ISource> sources, IServiceProvider services)
    {
        if (services.GetService<IMeterFactory>() is not { } meters)
            return;
        LineArbiter[] lines = [.. sources.OfType<LineArbiter>()];
        var metrics = new ModbusMetrics(meters, lines);
        foreach (var line in lines)
            line.Metrics = metrics;
    }
}
