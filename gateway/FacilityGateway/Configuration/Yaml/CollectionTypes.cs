using System.Collections;
using System.Diagnostics.CodeAnalysis;

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

    /// <summary>Value types a list may hold: each has its list made here, compiled ahead of time.</summary>
    public static IReadOnlySet<Type> ValueItems { get; } = new HashSet<Type> { typeof(double), typeof(int), typeof(long) };

    /// <summary>
    /// A new, empty <see cref="List{T}"/> of <paramref name="item"/>. A Native AOT build has <c>List&lt;T&gt;</c> of
    /// every reference type (they share one compiled form), but of a value type only where the code names it: those are
    /// named here (<see cref="ValueItems"/>; a test checks that every list of the configuration is one of them).
    /// </summary>
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Reference-type items share List<__Canon>, compiled ahead of time; value-type items are named above.")]
    public static IList NewList(Type item) =>
        item == typeof(double) ? new List<double>()
        : item == typeof(int) ? new List<int>()
        : item == typeof(long) ? new List<long>()
        : !item.IsValueType ? (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(item))!
        : throw new NotSupportedException($"A configuration list of {item} needs its entry in CollectionTypes.NewList.");

    /// <summary>A new, empty ordinal map from names to <paramref name="value"/>, a reference type (see <see cref="NewList"/>).</summary>
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Reference-type values share Dictionary<__Canon, __Canon>, compiled ahead of time.")]
    public static IDictionary NewMap(Type value) =>
        !value.IsValueType ? (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(typeof(string), value), StringComparer.Ordinal)!
        : throw new NotSupportedException($"A configuration map of {value} needs its entry in CollectionTypes.NewMap.");
}
