using FacilityGateway.Configuration.Yaml;

namespace FacilityGateway.Configuration;

/// <summary>
/// A kind of device (modbus, gpio_input, ds18b20, ...): its options type and its checks. Adding a kind is a folder
/// under <c>Sources/</c> with its options, this class, a README, and one line in <c>Sources/SourceKinds</c>.
/// </summary>
public interface IDeviceKind : IConfigKind
{
    /// <summary>A new, empty options object of this kind, for the binder.</summary>
    DeviceOptions CreateOptions();

    /// <summary>Checks a device of this kind against the rest of the configuration, without I/O on devices.</summary>
    void Validate(DeviceOptions device, ValidationContext context);

    ConfigNode IConfigKind.NewOptions() => CreateOptions();

    void IConfigKind.Check(ConfigNode options, ValidationContext context) => Validate((DeviceOptions)options, context);
}

/// <summary>What a kind's validation can see and report to.</summary>
public sealed class ValidationContext(GatewayConfig config, ConfigErrors errors, string profilesDirectory, Func<string, string?> environment)
{
    /// <summary>The whole configuration.</summary>
    public GatewayConfig Config { get; } = config;
    /// <summary>Where findings go.</summary>
    public ConfigErrors Errors { get; } = errors;
    /// <summary>Folders searched for device profiles, in order.</summary>
    public string ProfilesDirectory { get; } = profilesDirectory;
    /// <summary>Environment variables.</summary>
    public Func<string, string?> Environment { get; } = environment;
    /// <summary>Where a kind keeps what it built while checking (for example its loaded profiles), by key.</summary>
    public Dictionary<string, object> State { get; } = new(StringComparer.Ordinal);
}
