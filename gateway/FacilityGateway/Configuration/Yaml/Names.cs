using System.Text;

namespace FacilityGateway.Configuration.Yaml;

/// <summary>YAML key names and "did you mean" suggestions.</summary>
internal static class Names
{
    /// <summary><c>MaxRegistersPerRead</c> to <c>max_registers_per_read</c>.</summary>
    public static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                bool boundary = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1])));
                if (boundary)
                    sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }

    /// <summary>The closest candidate within a small edit distance, or one that contains the word.</summary>
    public static string? Suggest(string wrong, IEnumerable<string> candidates)
    {
        string lower = wrong.ToLowerInvariant().Replace('-', '_');
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            int distance = Distance(lower, candidate);
            if (candidate.StartsWith(lower, StringComparison.Ordinal) || lower.StartsWith(candidate, StringComparison.Ordinal)
                || candidate.Replace("_", "", StringComparison.Ordinal) == lower.Replace("_", "", StringComparison.Ordinal))
                distance = Math.Min(distance, 1);
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = candidate;
            }
        }
        return best is not null && bestDistance <= Math.Max(2, lower.Length / 3) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
            previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
