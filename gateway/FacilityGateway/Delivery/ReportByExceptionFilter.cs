using FacilityGateway.Readings;

namespace FacilityGateway.Delivery;

/// <summary>
/// Report by exception: a point is sent when it is new, its quality or text changed, its value moved by more than its
/// deadband since it was last sent, or the heartbeat has passed since then. State lives in memory, so after a restart
/// every point is sent once. A stage of Delivery that any sink uses by giving a heartbeat (<c>ISink.Heartbeat</c>).
/// A delivery chooses through a <see cref="Round"/>, and what it chose counts as sent only once the peer acknowledged
/// the whole delivery (<see cref="Round.Acknowledged"/>): a delivery that fails half-way is chosen again from the same
/// starting point, so a leak probe going wet is never left out of the retry.
/// Per-point state is kept by slot (<see cref="PointSlots"/>); one round at a time, as one sink runner delivers.
/// </summary>
public sealed class ReportByExceptionFilter(IReadOnlyDictionary<(string Device, string Point), PointInfo> points, TimeSpan heartbeat)
{
    private readonly PointSlots _slots = new();
    private SlotArray<Slot> _state;
    private int _round;

    /// <summary>What is known of one point: the last reading sent, the last chosen by the current round, its deadband.</summary>
    private struct Slot
    {
        public Sample Sent;
        public Sample Chosen;
        public int ChosenIn; // the round that chose Chosen; 0: none
        public bool HasSent;
        public bool Described; // Deadband looked up
        public double Deadband;
    }

    /// <summary>What the comparison needs of a reading (a quarter of its size: 100,000 points keep two each).</summary>
    private readonly record struct Sample(double Value, string? Text, Quality Quality, long UtcTicks)
    {
        public static Sample Of(Reading reading) => new(reading.Value, reading.Text, reading.Quality, reading.SampledAt.UtcTicks);
    }

    /// <summary>Starts choosing for one delivery; nothing counts as sent until it is acknowledged. Ends any round before it.</summary>
    public Round Begin() => new(this, ++_round);

    /// <summary>The choices of one delivery, on top of what was acknowledged before.</summary>
    public sealed class Round
    {
        private readonly ReportByExceptionFilter _filter;
        private readonly int _id;
        private readonly List<int> _chosen = [];

        internal Round(ReportByExceptionFilter filter, int id) => (_filter, _id) = (filter, id);

        /// <summary>The readings of <paramref name="batch"/> worth sending, given what this delivery already chose.</summary>
        public List<Reading> Select(ReadingBatch batch)
        {
            ArgumentNullException.ThrowIfNull(batch);
            EnsureCurrent();
            var readings = batch.Readings;
            var selected = new List<Reading>();
            var device = _filter._slots.Of(batch.DeviceId);
            for (int i = 0; i < readings.Count; i++)
            {
                var reading = readings[i];
                int index = device.SlotOf(i, reading);
                ref var slot = ref _filter._state[index];
                bool chosenHere = slot.ChosenIn == _id;
                if ((chosenHere || slot.HasSent) && _filter.Unchanged(ref slot, chosenHere ? slot.Chosen : slot.Sent, reading))
                    continue;
                if (!chosenHere)
                    _chosen.Add(index);
                slot.Chosen = Sample.Of(reading);
                slot.ChosenIn = _id;
                selected.Add(reading);
            }
            return selected;
        }

        /// <summary>The broker took every message of the delivery: what it chose is now what was sent.</summary>
        public void Acknowledged()
        {
            EnsureCurrent();
            foreach (int index in _chosen)
            {
                ref var slot = ref _filter._state[index];
                slot.Sent = slot.Chosen;
                slot.HasSent = true;
                slot.ChosenIn = 0;
            }
            _chosen.Clear();
        }

        private void EnsureCurrent()
        {
            if (_id != _filter._round)
                throw new InvalidOperationException("a later delivery round has begun: this one can no longer choose or be acknowledged");
        }
    }

    private bool Unchanged(ref Slot slot, Sample last, Reading reading)
    {
        if (!slot.Described)
        {
            slot.Deadband = points.TryGetValue((reading.DeviceId, reading.PointId), out var info) ? info.Deadband : 0;
            slot.Described = true;
        }
        double deadband = slot.Deadband;
        bool bothNaN = double.IsNaN(reading.Value) && double.IsNaN(last.Value);
        return last.Quality == reading.Quality
            && last.Text == reading.Text
            && reading.SampledAt.UtcTicks - last.UtcTicks < heartbeat.Ticks
            && (Math.Abs(reading.Value - last.Value) <= deadband || bothNaN)
            && !(deadband == 0 && reading.Value != last.Value && !bothNaN);
    }
}
