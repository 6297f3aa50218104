using System.Collections.Concurrent;
using System.Text;
using FacilityGateway.Readings;

namespace FacilityGateway.Outbox;

/// <summary>
/// The point list of a device's batches (device, asset, and each reading's point id and unit, in order), stored once in
/// the outbox file so that a record of that device carries only its values (<see cref="ReadingBatchCodec"/>).
/// </summary>
public sealed class ReadingLayout(long id, string device, string asset, string[] points, string[] units)
{
    public long Id => id;
    public string Device => device;
    public string Asset => asset;
    public IReadOnlyList<string> Points => points;
    public IReadOnlyList<string> Units => units;

    /// <summary>The highest record id that uses it (for the ones read from the file: every record before this start).</summary>
    internal long LastRecord { get; set; }

    /// <summary>When a record last used it (Unix ms); a layout used in the last minutes is kept even if no record holds it.</summary>
    internal long LastUsedAt { get; set; }

    /// <summary>True when <paramref name="batch"/> has exactly these points and units, in this order.</summary>
    public bool Fits(ReadingBatch batch)
    {
        var readings = batch.Readings;
        if (readings.Count != points.Length || !string.Equals(batch.DeviceId, device, StringComparison.Ordinal) || !string.Equals(batch.AssetId, asset, StringComparison.Ordinal))
            return false;
        for (int i = 0; i < points.Length; i++)
            if (!string.Equals(readings[i].PointId, points[i], StringComparison.Ordinal) || !string.Equals(readings[i].Unit, units[i], StringComparison.Ordinal))
                return false;
        return true;
    }

    /// <summary>The stored form of the point list: count, then each point id and unit (UTF-8, 7-bit length prefixed).</summary>
    internal byte[] EncodePoints()
    {
        using var stream = new MemoryStream(8 + points.Length * 8);
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write7BitEncodedInt(points.Length);
            for (int i = 0; i < points.Length; i++)
            {
                writer.Write(points[i]);
                writer.Write(units[i]);
            }
        }
        return stream.ToArray();
    }

    internal static ReadingLayout Decode(long id, string device, string asset, byte[] stored)
    {
        using var reader = new BinaryReader(new MemoryStream(stored, writable: false), Encoding.UTF8);
        int count = reader.Read7BitEncodedInt();
        if (count < 0 || count > stored.Length)
            throw new FormatException($"layout {id}: {count} points in {stored.Length} bytes");
        var points = new string[count];
        var units = new string[count];
        for (int i = 0; i < count; i++)
        {
            points[i] = string.Intern(reader.ReadString());
            units[i] = string.Intern(reader.ReadString());
        }
        return new ReadingLayout(id, device, asset, points, units);
    }
}

/// <summary>
/// The outbox's layouts: found by device (its last layout is checked first, then any earlier one that fits), made on
/// the outbox thread as a record needs one and stored in that record's transaction, read by any thread that decodes.
/// A layout is deleted once no record holds it and none has used it for <see cref="KeepUnused"/>; at most
/// <see cref="MaxLayouts"/> are kept, past which batches are stored self-describing, as small ones always are.
/// </summary>
public sealed class ReadingLayouts
{
    /// <summary>Most layouts kept: a site's devices, each with a few point lists (a read that failed, a reload).</summary>
    public const int MaxLayouts = 10_000;

    /// <summary>Batches with fewer readings are stored self-describing: a layout saves little on them.</summary>
    public const int MinReadings = 4;

    /// <summary>How long an unused layout is kept after its last record: a device's next poll likely needs it again.</summary>
    public static readonly TimeSpan KeepUnused = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<long, ReadingLayout> _byId = new();
    private readonly Dictionary<string, List<ReadingLayout>> _byDevice = new(StringComparer.Ordinal); // the outbox thread only
    private long _lastId;

    /// <summary>The layout a stored record names, or null when the file has no such layout.</summary>
    public ReadingLayout? Find(long id) => _byId.TryGetValue(id, out var layout) ? layout : null;

    /// <summary>How many there are.</summary>
    public int Count => _byId.Count;

    /// <summary>Adds a layout read from the file (the outbox thread, at open).</summary>
    internal void Load(ReadingLayout layout)
    {
        Add(layout);
        _lastId = Math.Max(_lastId, layout.Id);
    }

    /// <summary>
    /// The layout for <paramref name="batch"/> (the outbox thread only): an existing one, or a new one in
    /// <paramref name="created"/> that the caller stores in the same transaction; null for a small batch or when at
    /// the limit.
    /// </summary>
    internal ReadingLayout? For(ReadingBatch batch, List<ReadingLayout> created)
    {
        if (batch.Readings.Count < MinReadings)
            return null;
        if (_byDevice.TryGetValue(batch.DeviceId, out var layouts))
        {
            for (int i = layouts.Count - 1; i >= 0; i--)
            {
                if (!layouts[i].Fits(batch))
                    continue;
                var found = layouts[i];
                if (i != layouts.Count - 1)
                {
                    layouts.RemoveAt(i);
                    layouts.Add(found); // the most recent last: a device's next batch likely has the same points
                }
                return found;
            }
        }
        if (_byId.Count >= MaxLayouts)
            return null;
        var readings = batch.Readings;
        var points = new string[readings.Count];
        var units = new string[readings.Count];
        for (int i = 0; i < readings.Count; i++)
            (points[i], units[i]) = (readings[i].PointId, readings[i].Unit);
        var layout = new ReadingLayout(++_lastId, batch.DeviceId, batch.AssetId, points, units);
        Add(layout);
        created.Add(layout);
        return layout;
    }

    /// <summary>Forgets layouts whose transaction was rolled back, or that were deleted from the file.</summary>
    internal void Forget(IEnumerable<ReadingLayout> layouts)
    {
        foreach (var layout in layouts)
        {
            _byId.TryRemove(layout.Id, out _);
            if (_byDevice.TryGetValue(layout.Device, out var list))
            {
                list.Remove(layout);
                if (list.Count == 0)
                    _byDevice.Remove(layout.Device);
            }
        }
    }

    /// <summary>The layouts no record holds (every record before <paramref name="oldestRecord"/> is gone) and none has used lately.</summary>
    internal List<ReadingLayout> Unused(long oldestRecord, long nowMs) =>
        [.. _byId.Values.Where(l => l.LastRecord < oldestRecord && nowMs - l.LastUsedAt > (long)KeepUnused.TotalMilliseconds)];

    private void Add(ReadingLayout layout)
    {
        _byId[layout.Id] = layout;
        if (!_byDevice.TryGetValue(layout.Device, out var list))
            _byDevice[layout.Device] = list = [];
        list.Add(layout);
    }
}
