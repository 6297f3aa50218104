using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FacilityGateway.Configuration.Schema;
using Json.Schema;
using YamlDotNet.RepresentationModel;

namespace FacilityGateway.Tests.Configuration;

/// <summary>The shipped JSON Schema is the one generated from the loader's classes, and it accepts what the loader accepts.</summary>
public class SchemaTests
{
    [Theory]
    [InlineData("facility-gateway.schema.json", false)]
    [InlineData("device-profile.schema.json", true)]
    public void ShippedSchema_IsCurrent(string file, bool profile)
    {
        string shipped = File.ReadAllText(RepositoryPaths.Config("schema", file));
        string generated = ConfigurationSchema.ToText(profile ? FacilityGateway.Hosting.GatewayParts.ProfileSchema() : FacilityGateway.Hosting.GatewayParts.Schema());
        Assert.True(shipped == generated, $"config/schema/{file} is out of date: run `dotnet run --project gateway/FacilityGateway -- schema{(profile ? " --profile" : "")} > config/schema/{file}`");
    }

    public static TheoryData<string> ExampleConfigs()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(RepositoryPaths.Config(), "*.yaml").Order())
            data.Add(Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(ExampleConfigs))]
    public void ExampleConfigs_AreValidAgainstSchema(string file)
    {
        var schema = JsonSchema.FromText(File.ReadAllText(RepositoryPaths.Config("schema", "facility-gateway.schema.json")));
        var result = schema.Evaluate(Element(RepositoryPaths.Config(file)), new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, Describe(result));
    }

    [Fact]
    public void Profiles_AreValidAgainstProfileSchema()
    {
        var schema = JsonSchema.FromText(File.ReadAllText(RepositoryPaths.Config("schema", "device-profile.schema.json")));
        foreach (var file in Directory.EnumerateFiles(RepositoryPaths.Config("profiles"), "*.yaml"))
        {
            var result = schema.Evaluate(Element(file), new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(result.IsValid, $"{file}: {Describe(result)}");
        }
    }

    [Theory]
    [InlineData("unknown-top-key.yaml")]
    [InlineData("unknown-line-key-baudrate.yaml")]
    [InlineData("bad-parity.yaml")]
    [InlineData("unknown-asset-type.yaml")]
    [InlineData("unknown-type.yaml")]
    [InlineData("missing-site.yaml")]
    [InlineData("interval-without-unit.yaml")]
    public void SchemaAndLoader_AgreeOnStructuralMistakes(string brokenConfig)
    {
        var schema = JsonSchema.FromText(File.ReadAllText(RepositoryPaths.Config("schema", "facility-gateway.schema.json")));
        var result = schema.Evaluate(Element(Path.Combine(AppContext.BaseDirectory, "BrokenConfigs", brokenConfig)));
        Assert.False(result.IsValid, $"the schema accepts {brokenConfig}, which the loader refuses");
    }

    private static string Describe(EvaluationResults result) =>
        string.Join('\n', (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));

    private static JsonElement Element(string path) => JsonDocument.Parse(ToJson(path)?.ToJsonString() ?? "null").RootElement;

    /// <summary>YAML to JSON as the YAML language server sees it: plain scalars that look like numbers or booleans are typed.</summary>
    private static JsonNode? ToJson(string path)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(path)));
        return Convert(stream.Documents[0].RootNode);
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode m => new JsonObject(m.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, Convert(c.Value)))),
        YamlSequenceNode s => new JsonArray([.. s.Children.Select(Convert)]),
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } p when p.Value is "true" or "false" => JsonValue.Create(p.Value == "true"),
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } p when long.TryParse(p.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l) => JsonValue.Create(l),
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } p when double.TryParse(p.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => JsonValue.Create(d),
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: "" or null } => null,
        YamlScalarNode s => JsonValue.Create(s.Value),
        _ => null,
    };
}
