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
        LineArbiter[] lines = [.. ModbusLines.Build(plan).Select(line => new LineArbiter(line, time, logger, MaxBackoff))];
        if (services.GetService<IMeterFactory>() is { } meters)
        {
            var metrics = new ModbusMetrics(meters, lines);
            foreach (var line in lines)
                line.Metrics = metrics;
        }
        return lines;
    }
}
