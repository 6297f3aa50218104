using FacilityGateway.Readings;

namespace FacilityGateway.Delivery;

/// <summary>
/// Report by exception: a point is sent when it is new, its quality or text changed, its value moved by more than its
/// deadband since it was last sent, or the heartbeat has passed since then. State lives in memory, so after a restart
/// every point is sent once. A stage of Delivery that any sink uses by giving a heartbeat (<c>ISink.Heartbeat</c>).
/// A delivery chooses through a <see cref="Round"/>, and what it chose counts as sent only once the peer acknowledged
/// the whole delivery (<see cref="Round.Acknowledged"/>): a delivery that fails half-way is chosen again from the same
/// starting point, so a leak probe going wet is never left out of the retry.
/// </summary>
public sealed class ReportByExceptionFilter(IReadOnlyDictionary<(string Device, string Point), PointInfo> points, TimeSpan heartbeat)
{
    private readonly Dictionary<(string, string), Reading> _sent = [];

    /// <summary>Starts choosing for one delivery; nothing counts as sent until it is acknowledged.</summary>
    public Round Begin() => new(this);

    /// <summary>The choices of one delivery, on top of what was acknowledged before.</summary>
    public sealed class Round(ReportByExceptionFilter filter)
    {
        private readonly Dictionary<(string, string), Reading> _chosen = [];

        /// <summary>The readings of <paramref name="batch"/> worth sending, given what this delivery already chose.</summary>
        public List<Reading> Select(ReadingBatch batch)
        {
            ArgumentNullException.ThrowIfNull(batch);
            var selected = new List<Reading>(batch.Readings.Count);
            foreach (var reading in batch.Readings)
            {
                var key = (reading.DeviceId, reading.PointId);
                if ((_chosen.TryGetValue(key, out var last) || filter._sent.TryGetValue(key, out last)) && filter.Unchanged(key, last, reading))
                    continue;
                _chosen[key] = reading;
                selected.Add(reading);
            }
            return selected;
        }

        /// <summary>The broker took every message of the delivery: what it chose is now what was sent.</summary>
        public void Acknowledged()
        {
            foreach (var (key, reading) in _chosen)
                filter._sent[key] = reading;
        }
    }

    private bool Unchanged((string, string) key, Reading last, Reading reading)
    {
        double deadband = points.TryGetValue(key, out var info) ? info.Deadband : 0;
        bool bothNaN = double.IsNaN(reading.Value) && double.IsNaN(last.Value);
        return last.Quality == reading.Quality
            && last.Text == reading.Text
            && reading.SampledAt - last.SampledAt < heartbeat
            && (Math.Abs(reading.Value - last.Value) <= deadband || bothNaN)
            && !(deadband == 0 && reading.Value != last.Value && !bothNaN);
    }
}
