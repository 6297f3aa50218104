using System.Text.RegularExpressions;
using FacilityGateway.Cli;

namespace FacilityGateway.Tests.Configuration;

/// <summary>
/// The corpus of broken configurations under BrokenConfigs/: each file says on its first two lines which line the
/// error must name and a fragment of the message. Every one must exit with code 2, name file:line, and show no stack trace.
/// </summary>
public partial class BrokenConfigTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "BrokenConfigs"), "*.yaml").Order())
            data.Add(Path.GetFileName(file));
        return data;
    }

    [Fact]
    public void Corpus_HasAtLeastThirtyCases() => Assert.True(Cases().Count >= 30, $"only {Cases().Count} broken configurations");

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Validate_BrokenConfig_Exits2_WithFileLineAndMessage_NoStackTrace(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "BrokenConfigs", name);
        string[] header = File.ReadLines(path).Take(2).ToArray();
        int line = int.Parse(ExpectLine().Match(header[0]).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        string fragment = header[1]["# expect: ".Length..];

        var output = new StringWriter();
        var error = new StringWriter();
        int code = await GatewayCommands.InvokeAsync(["validate", "--config", path], output, error);
        string text = error.ToString();

        Assert.True(code == ExitCodes.ConfigurationError, $"exit code {code}\n{text}{output}");
        var finding = Regex.Match(text, $@"{Regex.Escape(name)}:(\d+):\d+: error: [^\n]*(\n    hint: [^\n]*)?");
        Assert.True(finding.Success, $"no 'file:line:column: error:' line in:\n{text}");
        Assert.Equal(line.ToString(System.Globalization.CultureInfo.InvariantCulture), finding.Groups[1].Value);
        Assert.Contains(fragment, finding.Value, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"# expect-line: (\d+)")]
    private static partial Regex ExpectLine();
}
