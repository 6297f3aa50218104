using System.Text;
using FacilityGateway.Cli;

namespace FacilityGateway.Tests.Configuration;

/// <summary>The binder's guard against anchors and aliases that expand without end, and a large site written out.</summary>
public sealed class ValueLimitTests
{
    [Fact]
    public async Task ALargeSiteWrittenOut_MoreThan200000Values_IsAccepted_AsNgGatewaysBenchmarkShapeNeeds()
    {
        // Regression: a flat limit of 200,000 values refused 100 devices x 1,000 points (the benchmark's 100,000 points/s),
        // and then reported every later device as missing its keys.
        var yaml = new StringBuilder("gateway: { id: gw, site: site }\nassets: [{ id: a, name: 配电室, type: meter }]\ndevices:\n");
        for (int d = 0; d < 40; d++)
        {
            yaml.Append($"  - id: dev{d}\n    asset: a\n    endpoint: tcp://127.0.0.1:{1502 + d}\n    unit: 1\n    points:\n");
            for (int p = 0; p < 1000; p++)
                yaml.Append($"      - {{ id: p{p}, name: 点 {d}.{p}, holding: {p * 2}, type: float32, unit: kW }}\n");
        }
        string path = Path.Combine(Directory.CreateTempSubdirectory("fg-large-").FullName, "gateway.yaml");
        await File.WriteAllTextAsync(path, yaml.ToString());

        var error = new StringWriter();
        int code = await GatewayCommands.InvokeAsync(["validate", "--config", path], new StringWriter(), error);

        Assert.True(code == ExitCodes.Ok, error.ToString());
    }

    [Fact]
    public async Task AnAliasBomb_GivesOneFinding_NotOneForEveryDeviceAfterIt()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "BrokenConfigs", "alias-bomb.yaml");
        var error = new StringWriter();
        int code = await GatewayCommands.InvokeAsync(["validate", "--config", path], new StringWriter(), error);

        Assert.Equal(ExitCodes.ConfigurationError, code);
        string text = error.ToString();
        Assert.Single(text.Split('\n'), l => l.Contains(": error: ", StringComparison.Ordinal));
        Assert.Contains("more than one per byte of its text", text, StringComparison.Ordinal);
    }
}
