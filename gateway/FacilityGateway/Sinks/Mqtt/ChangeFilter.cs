using FacilityGateway.Configuration;
using FacilityGateway.Readings;

namespace FacilityGateway.Sinks.Mqtt;

/// <summary>
/// Report by exception: a point is sent when it is new, its quality or text changed, its value moved by more than its
/// deadband since it was last sent, or the heartbeat has passed since then. State lives in memory, so after a restart
/// every point is sent once.
/// </summary>
public sealed class ChangeFilter(IReadOnlyDictionary<(string Device, string Point), PointInfo> points, TimeSpan heartbeat)
{
    private readonly Dictionary<(string, string), Reading> _sent = [];

    /// <summary>The readings of <paramref name="batch"/> worth sending; remembers them as sent.</summary>
    public List<Reading> Select(ReadingBatch batch)
    {
        var selected = new List<Reading>(batch.Readings.Count);
        foreach (var reading in batch.Readings)
        {
            var key = (reading.DeviceId, reading.PointId);
            double deadband = points.TryGetValue(key, out var info) ? info.Deadband : 0;
            if (_sent.TryGetValue(key, out var last)
                && last.Quality == reading.Quality
                && last.Text == reading.Text
                && reading.SampledAt - last.SampledAt < heartbeat
                && (Math.Abs(reading.Value - last.Value) <= deadband || (double.IsNaN(reading.Value) && double.IsNaN(last.Value)))
                && !(deadband == 0 && reading.Value != last.Value && !(double.IsNaN(reading.Value) && double.IsNaN(last.Value))))
                continue;
            _sent[key] = reading;
            selected.Add(reading);
        }
        return selected;
    }
}
