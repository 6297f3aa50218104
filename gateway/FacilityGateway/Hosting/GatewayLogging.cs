using FacilityGateway.Configuration;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace FacilityGateway.Hosting;

/// <summary>Serilog from the configuration's <c>logging:</c> section. Secrets never reach a log: configuration values are not logged.</summary>
public static class GatewayLogging
{
    private const string TextTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} [{Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    /// <summary>A logger for the given options.</summary>
    public static Serilog.Core.Logger Create(LoggingOptions options, string gatewayId)
    {
        var level = options.Level switch
        {
            LogLevelName.Verbose => LogEventLevel.Verbose,
            LogLevelName.Debug => LogEventLevel.Debug,
            LogLevelName.Warning => LogEventLevel.Warning,
            LogLevelName.Error => LogEventLevel.Error,
            _ => LogEventLevel.Information,
        };
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
            .Enrich.FromLogContext()
            .Enrich.WithProperty("Gateway", gatewayId);
        configuration = options.Console switch
        {
            LogFormat.Json => configuration.WriteTo.Console(new CompactJsonFormatter(), standardErrorFromLevel: LogEventLevel.Verbose),
            LogFormat.Text => configuration.WriteTo.Console(outputTemplate: TextTemplate, standardErrorFromLevel: LogEventLevel.Verbose, formatProvider: System.Globalization.CultureInfo.InvariantCulture),
            _ => configuration,
        };
        if (options.File is { } file && options.FileFormat != LogFormat.None)
        {
            configuration = options.FileFormat == LogFormat.Json
                ? configuration.WriteTo.File(new CompactJsonFormatter(), file, rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14)
                : configuration.WriteTo.File(file, outputTemplate: TextTemplate, rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        }
        return configuration.CreateLogger();
    }
}
