namespace FacilityGateway.Outbox;

/// <summary>
/// Wakes waiters when something happened. Take <see cref="Next"/> before looking for work and await it only when there
/// was none: a pulse between the look and the wait is then never missed.
/// </summary>
public sealed class AsyncSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next pulse.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    /// <summary>Wakes everyone holding <see cref="Next"/>.</summary>
    public void Pulse() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
