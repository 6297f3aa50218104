namespace FacilityGateway.Configuration.Yaml;

/// <summary>
/// The keys a mapping was written with, and where: a small array searched in order. A mapping has a handful of keys,
/// and every point of a site keeps its own for later messages, so this is kept small: measured at 100 devices x
/// 1,000 points, dictionaries here held 39 MB of the running gateway's 138 MB heap.
/// </summary>
internal sealed class KeyLocations
{
    private (string Key, SourceLocation Location)[] _items = [];
    private int _count;

    /// <summary>Records where <paramref name="key"/> was written (again, if it was).</summary>
    public SourceLocation this[string key]
    {
        set
        {
            int i = IndexOf(key);
            if (i >= 0)
            {
                _items[i].Location = value;
                return;
            }
            if (_count == _items.Length)
                Array.Resize(ref _items, Math.Max(4, _count * 2));
            _items[_count++] = (key, value);
        }
    }

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public bool TryGetValue(string key, out SourceLocation location)
    {
        int i = IndexOf(key);
        location = i >= 0 ? _items[i].Location : default;
        return i >= 0;
    }

    /// <summary>Gives back the unused end of the array once the mapping is bound.</summary>
    public void Trim()
    {
        if (_count < _items.Length)
            Array.Resize(ref _items, _count);
    }

    private int IndexOf(string key)
    {
        for (int i = 0; i < _count; i++)
            if (string.Equals(_items[i].Key, key, StringComparison.Ordinal))
                return i;
        return -1;
    }
}
