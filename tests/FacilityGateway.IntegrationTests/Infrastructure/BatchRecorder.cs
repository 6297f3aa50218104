using FacilityGateway.Readings;

namespace FacilityGateway.IntegrationTests.Infrastructure;

/// <summary>A pipeline stage that records every batch with its arrival time and lets a test await a condition on them.</summary>
public sealed class BatchRecorder : IReadingConsumer
{
    private readonly List<(ReadingBatch Batch, long ArrivedAt)> _batches = [];
    private readonly List<(Func<IReadOnlyList<(ReadingBatch Batch, long ArrivedAt)>, bool> Condition, TaskCompletionSource Done)> _waiters = [];

    public IReadOnlyList<(ReadingBatch Batch, long ArrivedAt)> Batches
    {
        get { lock (_batches) return [.. _batches]; }
    }

    public ValueTask ConsumeAsync(ReadingBatch batch, CancellationToken cancellationToken)
    {
        lock (_batches)
        {
            _batches.Add((batch, TimeProvider.System.GetTimestamp()));
            foreach (var waiter in _waiters.Where(w => w.Condition(_batches)).ToList())
            {
                waiter.Done.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>Completes when the recorded batches satisfy <paramref name="condition"/>; fails the test after <paramref name="timeout"/>.</summary>
    public async Task WaitForAsync(Func<IReadOnlyList<(ReadingBatch Batch, long ArrivedAt)>, bool> condition, TimeSpan timeout, string what)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_batches)
        {
            if (condition(_batches))
                return;
            _waiters.Add((condition, done));
        }
        if (await Task.WhenAny(done.Task, Task.Delay(timeout)) != done.Task)
            Assert.Fail($"timed out after {timeout} waiting for {what}; batches: {string.Join(", ", Batches.GroupBy(b => b.Batch.DeviceId).Select(g => $"{g.Key}={g.Count()}"))}");
    }

    public Task WaitForDeviceAsync(string deviceId, int count, TimeSpan timeout) =>
        WaitForAsync(b => b.Count(x => x.Batch.DeviceId == deviceId) >= count, timeout, $"{count} batch(es) of {deviceId}");

    public ReadingBatch Latest(string deviceId) => Batches.Last(b => b.Batch.DeviceId == deviceId).Batch;
}
