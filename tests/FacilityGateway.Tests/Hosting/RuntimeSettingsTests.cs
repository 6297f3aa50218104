using FacilityGateway.Hosting;

namespace FacilityGateway.Tests.Hosting;

public sealed class RuntimeSettingsTests
{
    [Fact]
    public void Gen0SizeWith0xPrefix_WasIgnoredByTheNativeBuild_SoEveryDotnetValueIsBareHexDigits()
    {
        // Regression: DOTNET_GCgen0size=0x200000 was set by the unit, the image and the re-execution, and the Native
        // AOT runtime's configuration reader (hex digits only) took the 'x' as a parse error and kept its default.
        foreach (var (name, value) in RuntimeSettings.Settings.Where(s => s.Key.StartsWith("DOTNET_", StringComparison.Ordinal)))
        {
            Assert.False(value.StartsWith("0x", StringComparison.OrdinalIgnoreCase), $"{name}={value}");
            Assert.True(value.Length > 0 && value.All(Uri.IsHexDigit), $"{name}={value} is not bare hexadecimal");
        }
        Assert.Equal("200000", RuntimeSettings.Settings.Single(s => s.Key == "DOTNET_GCgen0size").Value); // 2 MiB
    }
}
