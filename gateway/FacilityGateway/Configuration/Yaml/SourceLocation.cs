namespace FacilityGateway.Configuration.Yaml;

/// <summary>Where something was written: file, 1-based line and column.</summary>
public readonly record struct SourceLocation(string File, int Line, int Column)
{
    /// <summary>No known place.</summary>
    public static SourceLocation None => new("", 0, 0);

    /// <inheritdoc />
    public override string ToString() => Line > 0 ? $"{File}:{Line}:{Column}" : File;
}
