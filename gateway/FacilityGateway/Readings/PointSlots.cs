namespace FacilityGateway.Readings;

/// <summary>
/// Dense numbers (slots) for (device, point) pairs, so that per-point state lives in arrays indexed by slot rather than
/// in dictionaries keyed by two strings: hashing both strings for every reading of every poll, in each stage that keeps
/// per-point state, was a fifth of the gateway's CPU at 100,000 points/s (docs/PERFORMANCE.md).
/// A device's batches carry the same points in the same order (the poll's, or the outbox layout's), so
/// <see cref="Device.SlotOf"/> first tries the slot that was at the reading's position before: one string comparison,
/// by reference when it is the same string instance (as it is poll after poll), and a hash only when the batch differs.
/// A slot, once given, is never taken back or reused. Not thread-safe: it belongs to one stage.
/// </summary>
public sealed class PointSlots
{
    private readonly Dictionary<string, Device> _devices = new(StringComparer.Ordinal);

    /// <summary>The slots given so far: every slot is below this.</summary>
    public int Count { get; private set; }

    /// <summary>The device's slots: one look-up a batch.</summary>
    public Device Of(string deviceId)
    {
        if (!_devices.TryGetValue(deviceId, out var device))
            _devices[deviceId] = device = new Device(this, deviceId);
        return device;
    }

    /// <summary>The slots of one device's points.</summary>
    public sealed class Device
    {
        private readonly PointSlots _owner;
        private readonly string _id;
        private readonly Dictionary<string, int> _byPoint = new(StringComparer.Ordinal);
        private string[] _pointAt = [];
        private int[] _slotAt = [];

        internal Device(PointSlots owner, string id) => (_owner, _id) = (owner, id);

        /// <summary>The slot of <paramref name="reading"/>, at <paramref name="position"/> of a batch of this device (a reading of another device in it is looked up there).</summary>
        public int SlotOf(int position, in Reading reading) => ReferenceEquals(reading.DeviceId, _id) || reading.DeviceId == _id
            ? SlotOf(position, reading.PointId)
            : _owner.Of(reading.DeviceId).SlotOf(position, reading.PointId);

        /// <summary>The slot of <paramref name="pointId"/>, the reading at <paramref name="position"/> of its batch.</summary>
        public int SlotOf(int position, string pointId)
        {
            if ((uint)position < (uint)_pointAt.Length && string.Equals(_pointAt[position], pointId, StringComparison.Ordinal))
                return _slotAt[position];
            if (!_byPoint.TryGetValue(pointId, out int slot))
                _byPoint[pointId] = slot = _owner.Count++;
            Remember(position, pointId, slot);
            return slot;
        }

        /// <summary>The position now holds this point: the next batch of the same shape finds it there.</summary>
        private void Remember(int position, string pointId, int slot)
        {
            if (position >= _pointAt.Length)
            {
                int length = Math.Max(position + 1, _pointAt.Length * 2);
                Array.Resize(ref _pointAt, length);
                Array.Resize(ref _slotAt, length);
            }
            _pointAt[position] = pointId;
            _slotAt[position] = slot;
        }
    }
}

/// <summary>Per-slot values of a <see cref="PointSlots"/>: an array that grows with the slots.</summary>
public struct SlotArray<T>
{
    private T[] _items;

    /// <summary>The value at <paramref name="slot"/> (default until set), growing the array when the slot is new.</summary>
    public ref T this[int slot]
    {
        get
        {
            _items ??= [];
            if (slot >= _items.Length)
                Array.Resize(ref _items, Math.Max(slot + 1, Math.Max(16, _items.Length * 2)));
            return ref _items[slot];
        }
    }
}
