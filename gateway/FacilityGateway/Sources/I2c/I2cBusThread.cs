using System.Collections.Concurrent;

namespace FacilityGateway.Sources.I2c;

/// <summary>
/// A thread of its own for one I2C bus: the blocking transfers of its sensors run here, one at a time (as the bus
/// does), and the awaiting source is not holding a thread-pool thread meanwhile. Written by hand: .NET has no
/// single-thread work queue in the box, and this is twenty lines.
/// </summary>
internal sealed class I2cBusThread : IDisposable
{
    private readonly BlockingCollection<Action> _work = new(boundedCapacity: 64);
    private readonly Thread _thread;
    private int _users;

    public I2cBusThread(string name)
    {
        _thread = new Thread(() =>
        {
            foreach (var work in _work.GetConsumingEnumerable())
                work();
        }) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Runs <paramref name="work"/> on the bus thread; its exception comes back to the caller.</summary>
    public Task<T> RunAsync<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                done.SetException(ex);
            }
        });
        return done.Task;
    }

    /// <summary>One more sensor shares this thread (each disposes it once).</summary>
    public I2cBusThread Share()
    {
        Interlocked.Increment(ref _users);
        return this;
    }

    public void Dispose()
    {
        if (Interlocked.Decrement(ref _users) > 0 || _work.IsAddingCompleted)
            return;
        _work.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(2));
        _work.Dispose();
    }
}
