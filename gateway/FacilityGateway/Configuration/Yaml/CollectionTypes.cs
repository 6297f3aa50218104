namespace FacilityGateway.Configuration.Yaml;

/// <summary>
/// The collection shapes an options property may have: a list (<c>IReadOnlyList&lt;T&gt;</c>, or <c>List&lt;T&gt;</c>)
/// and a map with string keys (<c>IReadOnlyDictionary&lt;string, T&gt;</c>, or <c>Dictionary&lt;string, T&gt;</c>).
/// Options expose the read-only shapes, so a bound configuration cannot be changed by the parts that read it; the
/// binder fills them with a <see cref="List{T}"/> or an ordinal <see cref="Dictionary{TKey, TValue}"/>. The schema
/// generator asks the same questions.
/// </summary>
internal static class CollectionTypes
{
    /// <summary>True when <paramref name="type"/> is bound from a YAML list; <paramref name="item"/> is its item type.</summary>
    public static bool IsList(Type type, out Type item)
    {
        item = typeof(object);
        if (!type.IsGenericType)
            return false;
        var definition = type.GetGenericTypeDefinition();
        if (definition != typeof(List<>) && definition != typeof(IReadOnlyList<>))
            return false;
        item = type.GetGenericArguments()[0];
        return true;
    }

    /// <summary>True when <paramref name="type"/> is bound from a YAML mapping; <paramref name="value"/> is its value type.</summary>
    public static bool IsMap(Type type, out Type value)
    {
        value = typeof(object);
        if (!type.IsGenericType)
            return false;
        var definition = type.GetGenericTypeDefinition();
        if (definition != typeof(Dictionary<,>) && definition != typeof(IReadOnlyDictionary<,>))
            return false;
        value = type.GetGenericArguments()[1];
        return true;
    }
}
