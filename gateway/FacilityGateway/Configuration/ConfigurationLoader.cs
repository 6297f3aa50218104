using FacilityGateway.Configuration.Yaml;
using Microsoft.Extensions.FileSystemGlobbing;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace FacilityGateway.Configuration;

/// <summary>
/// Reads a gateway configuration: the root file, the files it includes (globs, relative to the including file), device
/// profiles; binds and checks everything without touching a device, and reports every finding with file, line and column.
/// </summary>
public static class ConfigurationLoader
{
    /// <summary>Name of the environment variable pointing at the shipped profiles, used when the config has none beside it.</summary>
    public const string ProfilesEnvironmentVariable = "FACILITY_GATEWAY_PROFILES";

    /// <summary>Loads and validates; throws <see cref="ConfigurationException"/> with every error. Warnings are returned.</summary>
    public static (GatewayConfig Config, IReadOnlyList<ConfigError> Warnings) Load(string path, ConfigurationRegistry registry, Func<string, string?>? environment = null)
    {
        var errors = new ConfigErrors();
        var config = LoadUnchecked(path, registry, errors, environment ?? SecretLookup.Find);
        if (errors.HasErrors)
            throw new ConfigurationException(errors.Items);
        return (config!, errors.Items);
    }

    /// <summary>Loads and validates, collecting findings into <paramref name="errors"/>; null when the root cannot be read at all.</summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2067", Justification = YamlBinder.RootedTypes)]
    public static GatewayConfig? LoadUnchecked(string path, ConfigurationRegistry registry, ConfigErrors errors, Func<string, string?> environment)
    {
        string full = Path.GetFullPath(path);
        string display = DisplayPath(path);
        var root = ReadYaml(full, display, errors);
        if (root is null)
            return null;
        var binder = new YamlBinder(errors, display, environment) { SourceBytes = new FileInfo(full).Length };
        if (root is not YamlMappingNode mapping)
        {
            errors.Error(binder.LocationOf(root), "", "the file must be a mapping with keys such as gateway:, assets:, lines:, devices:");
            return null;
        }
        var config = new GatewayConfig();
        binder.Populate(config, mapping, "", [.. registry.Lists.Keys, .. registry.Sections.Keys]);
        config.AddFile(display);
        foreach (var (key, type) in registry.Sections)
        {
            var section = (ConfigNode)Activator.CreateInstance(type)!;
            if (mapping.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is not YamlScalarNode { Value: "" or null })
                section = binder.BindValue(node, type, key) as ConfigNode ?? section;
            config.With(section);
        }
        foreach (var list in registry.Lists.Values)
            BindByKind(mapping, binder, list, config);

        var seen = new HashSet<string>(StringComparer.Ordinal) { full };
        foreach (var (pattern, index) in config.Include.Select((p, i) => (p, i)))
            Include(config, registry, full, pattern, config.OriginOf("include"), $"include[{index}]", errors, environment, seen);

        if (errors.BindingStopped)
            return null; // its one finding says why; validating half a file would report the rest as missing
        // A written data_directory is made absolute by the binder ([FilePath]); the default 'data' is beside the file too.
        config.Gateway.DataDirectory = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(full)!, config.Gateway.DataDirectory));
        string profiles = ResolveProfilesDirectory(config, full, environment);
        ConfigurationValidator.Validate(new ValidationContext(config, errors, profiles, environment), registry);
        return config;
    }

    /// <summary>An included file: more assets, lines and devices, and maybe further includes.</summary>
    private sealed class IncludedFile : ConfigNode
    {
        public IReadOnlyList<string> Include { get; init; } = [];
        public IReadOnlyList<AssetOptions> Assets { get; init; } = [];
        public IReadOnlyList<LineOptions> Lines { get; init; } = [];
    }

    private static void Include(GatewayConfig config, ConfigurationRegistry registry, string includingFile, string pattern, SourceLocation location, string keyPath, ConfigErrors errors, Func<string, string?> environment, HashSet<string> seen)
    {
        string baseDirectory = Path.GetDirectoryName(includingFile)!;
        string[] files;
        if (Path.IsPathRooted(pattern))
        {
            var matcher = new Matcher();
            string rootDir = Path.GetPathRoot(pattern)!;
            matcher.AddInclude(Path.GetRelativePath(rootDir, pattern));
            files = [.. matcher.GetResultsInFullPath(rootDir).Order(StringComparer.Ordinal)];
        }
        else
        {
            var matcher = new Matcher();
            matcher.AddInclude(pattern);
            files = [.. matcher.GetResultsInFullPath(baseDirectory).Order(StringComparer.Ordinal)];
        }
        if (files.Length == 0)
        {
            errors.Error(location, keyPath, $"'{pattern}' matches no file (relative to {DisplayPath(baseDirectory)})", "check the path and the spelling of the folder");
            return;
        }
        foreach (string file in files)
        {
            if (!seen.Add(file))
                continue; // included twice (or a cycle): read once
            string display = DisplayPath(file);
            var root = ReadYaml(file, display, errors);
            if (root is null)
                continue;
            config.AddFile(display);
            var binder = new YamlBinder(errors, display, environment) { SourceBytes = new FileInfo(file).Length };
            if (root is not YamlMappingNode mapping)
            {
                errors.Error(binder.LocationOf(root), "", "an included file must be a mapping with keys assets:, lines:, devices: or include:");
                continue;
            }
            var included = new IncludedFile();
            binder.Populate(included, mapping, "", "devices");
            config.AddIncluded(included.Assets, included.Lines);
            BindByKind(mapping, binder, registry.Lists[ConfigurationRegistry.DevicesKey], config);
            foreach (var (nested, index) in included.Include.Select((p, i) => (p, i)))
                Include(config, registry, file, nested, included.OriginOf("include"), $"include[{index}]", errors, environment, seen);
        }
    }

    /// <summary>Binds a list whose entries choose their options type with <c>kind:</c> (devices, sinks).</summary>
    private static void BindByKind(YamlMappingNode mapping, YamlBinder binder, KindedList list, GatewayConfig config)
    {
        string key = list.Key;
        var kinds = list.Kinds;
        if (!mapping.Children.TryGetValue(new YamlScalarNode(key), out var node) || node is YamlScalarNode { Value: "" or null })
            return;
        if (node is not YamlSequenceNode entries)
        {
            binder.Errors.Error(binder.LocationOf(node), key, $"expected a list under '{key}:' (items starting with '- ')");
            return;
        }
        int index = 0;
        foreach (var entry in entries.Children)
        {
            string path = $"{key}[{index++}]";
            if (entry is not YamlMappingNode item)
            {
                binder.Errors.Error(binder.LocationOf(entry), path, "expected a mapping with id, kind, ...");
                continue;
            }
            string? kind = list.DefaultKind;
            var kindLocation = binder.LocationOf(item);
            if (item.Children.TryGetValue(new YamlScalarNode("kind"), out var kindNode))
            {
                kind = (kindNode as YamlScalarNode)?.Value ?? "";
                kindLocation = binder.LocationOf(kindNode);
            }
            if (kind is null)
            {
                binder.Errors.Error(kindLocation, path, "missing required key 'kind'", $"known kinds: {string.Join(", ", kinds.Keys)}");
                continue;
            }
            if (!kinds.TryGetValue(kind, out var chosen))
            {
                string? suggestion = Names.Suggest(kind, kinds.Keys);
                binder.Errors.Error(kindLocation, $"{path}.kind", $"unknown kind '{kind}'",
                    suggestion is not null ? $"did you mean '{suggestion}'?" : $"known kinds: {string.Join(", ", kinds.Keys)}");
                continue;
            }
            var options = chosen.NewOptions();
            binder.Populate(options, item, path);
            config.Add(key, options);
        }
    }

    /// <summary>Parses one YAML file; a syntax error becomes a finding at its line.</summary>
    internal static YamlNode? ReadYaml(string fullPath, string display, ConfigErrors errors)
    {
        string text;
        if (Directory.Exists(fullPath))
        {
            errors.Error(new SourceLocation(display, 0, 0), "", "this is a folder, not a configuration file", "give the YAML file itself, for example --config /etc/facility-gateway/gateway.yaml");
            return null;
        }
        try
        {
            text = File.ReadAllText(fullPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Error(new SourceLocation(display, 0, 0), "", $"cannot read the file: {ex.Message}",
                ex is FileNotFoundException or DirectoryNotFoundException ? "check the path given with --config" : "check the file's permissions");
            return null;
        }
        // YAML forbids tabs in indentation; the parser reports it far from the tab, so find it first.
        int lineNumber = 0;
        foreach (string line in text.Split('\n'))
        {
            lineNumber++;
            int indent = line.Length - line.TrimStart(' ', '\t').Length;
            int tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab >= 0 && tab < indent)
            {
                errors.Error(new SourceLocation(display, lineNumber, tab + 1), "", "YAML syntax: a tab is used for indentation", "indent with spaces only (two per level is usual)");
                return null;
            }
        }
        if (NestingProblem(text) is { } nesting)
        {
            errors.Error(new SourceLocation(display, nesting.Line, 1), "", $"YAML nested more than {MaxNesting} levels deep", "a gateway configuration needs a handful of levels; is this the right file?");
            return null;
        }
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            string message = ex.Message.Replace("\r", "", StringComparison.Ordinal);
            int marker = message.IndexOf("): ", StringComparison.Ordinal);
            if (message.StartsWith("(Line", StringComparison.Ordinal) && marker > 0)
                message = message[(marker + 3)..];
            errors.Error(new SourceLocation(display, (int)ex.Start.Line, (int)ex.Start.Column), "", $"YAML syntax: {message}",
                "check the indentation (spaces, not tabs) and that every 'key: value' has a space after the colon");
            return null;
        }
        if (stream.Documents.Count == 0)
        {
            errors.Error(new SourceLocation(display, 1, 1), "", "the file is empty", "start from config/example.yaml");
            return null;
        }
        return stream.Documents[0].RootNode;
    }

    /// <summary>Deepest nesting accepted: parsing deeper input recurses far enough to overflow the stack (exit 134).</summary>
    internal const int MaxNesting = 64;

    /// <summary>
    /// The first line where the text nests deeper than <see cref="MaxNesting"/> (indentation levels, '- ' items and
    /// flow brackets), found without parsing, or null. Quoted text and comments do not count.
    /// </summary>
    internal static (int Line, int Depth)? NestingProblem(string text)
    {
        var indents = new Stack<int>();
        int flow = 0, lineNumber = 0;
        foreach (string line in text.Split('\n'))
        {
            lineNumber++;
            int indent = line.Length - line.TrimStart(' ').Length;
            string content = line[indent..];
            if (flow == 0 && content.Length > 0 && content[0] != '#')
            {
                while (indents.Count > 0 && indents.Peek() >= indent)
                    indents.Pop();
                indents.Push(indent);
            }
            int dashes = 0;
            while (dashes * 2 + 1 < content.Length && content[dashes * 2] == '-' && content[dashes * 2 + 1] == ' ')
                dashes++;
            char quote = '\0';
            int deepest = flow;
            foreach (char c in content)
            {
                if (quote != '\0')
                {
                    if (c == quote)
                        quote = '\0';
                    continue;
                }
                if (c is '"' or '\'')
                    quote = c;
                else if (c == '#')
                    break;
                else if (c is '[' or '{')
                    deepest = Math.Max(deepest, ++flow);
                else if (c is ']' or '}' && flow > 0)
                    flow--;
            }
            int depth = indents.Count + dashes + deepest;
            if (depth > MaxNesting)
                return (lineNumber, depth);
        }
        return null;
    }

    private static string ResolveProfilesDirectory(GatewayConfig config, string rootFile, Func<string, string?> environment)
    {
        string baseDirectory = Path.GetDirectoryName(rootFile)!;
        if (config.ProfilesDirectory is { } configured)
            return Path.GetFullPath(Path.Combine(baseDirectory, configured));
        string beside = Path.Combine(baseDirectory, "profiles");
        if (Directory.Exists(beside))
            return beside;
        if (environment(ProfilesEnvironmentVariable) is { } fromEnvironment)
            return fromEnvironment;
        return Path.Combine(AppContext.BaseDirectory, "profiles");
    }

    /// <summary>A path as the installer gave it, relative to the working directory when it lies below it.</summary>
    internal static string DisplayPath(string path)
    {
        string full = Path.GetFullPath(path);
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, full);
        return relative.StartsWith("..", StringComparison.Ordinal) ? full : relative;
    }
}
