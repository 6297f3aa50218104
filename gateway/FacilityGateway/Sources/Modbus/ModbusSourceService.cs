using FacilityGateway.Configuration;
using FacilityGateway.Readings;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FacilityGateway.Sources.Modbus;

/// <summary>Polls every enabled Modbus device: one <see cref="LineArbiter"/> per line, all lines concurrently.</summary>
internal sealed class ModbusSourceService(GatewayConfig config, ReadingChannel channel, TimeProvider time, ILoggerFactory loggers) : BackgroundService
{
    /// <summary>Longest wait between probes of a device that does not answer.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(1);

    private readonly List<LineArbiter> _arbiters = [];

    /// <summary>The arbiters, once started (for tests and the status view).</summary>
    public IReadOnlyList<LineArbiter> Arbiters => _arbiters;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var logger = loggers.CreateLogger("FacilityGateway.Sources.Modbus");
        foreach (var line in ModbusLines.Build(config))
            _arbiters.Add(new LineArbiter(line, time, logger, MaxBackoff));
        try
        {
            await Task.WhenAll(_arbiters.Select(a => a.RunAsync(channel.Writer.WriteAsync, stoppingToken))).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var arbiter in _arbiters)
                await arbiter.DisposeAsync().ConfigureAwait(false);
        }
    }
}
