namespace FacilityGateway.Dashboard.History;

/// <summary>The readings of every point in one open bucket: sum, count, minimum and maximum per column.</summary>
internal sealed class TrendAccumulator(long start)
{
    private double[] _sum = new double[16];
    private int[] _count = new int[16];
    private float[] _min = new float[16];
    private float[] _max = new float[16];

    /// <summary>The bucket's start, Unix seconds.</summary>
    public long Start { get; } = start;

    public void Add(int column, double value)
    {
        if (column >= _count.Length)
            Grow(column + 1);
        if (_count[column] == 0)
        {
            _min[column] = (float)value;
            _max[column] = (float)value;
        }
        else
        {
            _min[column] = Math.Min(_min[column], (float)value);
            _max[column] = Math.Max(_max[column], (float)value);
        }
        _sum[column] += value;
        _count[column]++;
    }

    /// <summary>The bucket of one column, or null when it has no value.</summary>
    public TrendBucket? Of(int column) =>
        column < _count.Length && _count[column] > 0 ? new TrendBucket(Start, (float)(_sum[column] / _count[column]), _min[column], _max[column]) : null;

    /// <summary>The stored form: <see cref="TrendTier.BytesPerPoint"/> bytes per column (NaN where none), for <paramref name="columns"/> columns.</summary>
    public byte[] Encode(int columns)
    {
        var data = new byte[columns * TrendTier.BytesPerPoint];
        var span = data.AsSpan();
        for (int c = 0; c < columns; c++)
        {
            var bucket = Of(c);
            var slot = span.Slice(c * TrendTier.BytesPerPoint, TrendTier.BytesPerPoint);
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(slot, bucket?.Average ?? float.NaN);
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(slot[4..], bucket?.Minimum ?? float.NaN);
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(slot[8..], bucket?.Maximum ?? float.NaN);
        }
        return data;
    }

    /// <summary>One column of a stored bucket, or null when it holds nothing for it.</summary>
    public static TrendBucket? Decode(long start, ReadOnlySpan<byte> data, int column)
    {
        int offset = column * TrendTier.BytesPerPoint;
        if (offset + TrendTier.BytesPerPoint > data.Length)
            return null;
        float average = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(data[offset..]);
        if (float.IsNaN(average))
            return null;
        return new TrendBucket(start, average,
            System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(data[(offset + 4)..]),
            System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(data[(offset + 8)..]));
    }

    private void Grow(int needed)
    {
        int size = Math.Max(needed, _count.Length * 2);
        Array.Resize(ref _sum, size);
        Array.Resize(ref _count, size);
        Array.Resize(ref _min, size);
        Array.Resize(ref _max, size);
    }
}
