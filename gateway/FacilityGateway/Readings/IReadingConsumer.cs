namespace FacilityGateway.Readings;

/// <summary>A stage after the sources: the snapshot, and later alarms and the outbox. Called in registration order, one batch at a time.</summary>
public interface IReadingConsumer
{
    /// <summary>Takes one batch.</summary>
    ValueTask ConsumeAsync(ReadingBatch batch, CancellationToken cancellationToken);
}
