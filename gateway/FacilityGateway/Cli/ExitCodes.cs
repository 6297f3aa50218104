namespace FacilityGateway.Cli;

/// <summary>Process exit codes. systemd's Restart=on-failure restarts on anything but 0.</summary>
public static class ExitCodes
{
    /// <summary>Stopped normally.</summary>
    public const int Ok = 0;
    /// <summary>A fatal error at run time (a service crashed, a device could not be reached by a tool).</summary>
    public const int Failure = 1;
    /// <summary>The configuration or the command line is wrong; restarting will not help until it is fixed.</summary>
    public const int ConfigurationError = 2;
}
