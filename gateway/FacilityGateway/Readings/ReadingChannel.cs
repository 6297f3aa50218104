using System.Threading.Channels;

namespace FacilityGateway.Readings;

/// <summary>
/// The bounded queue between sources and the later stages. Sources wait when it is full (back-pressure on polling),
/// so memory stays bounded; the stages after it are quick, and durability is the outbox's job, not this queue's.
/// </summary>
public sealed class ReadingChannel
{
    /// <summary>Batches held at most.</summary>
    public const int Capacity = 4096;

    private readonly Channel<ReadingBatch> _channel = Channel.CreateBounded<ReadingBatch>(new BoundedChannelOptions(Capacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });

    /// <summary>Where sources write.</summary>
    public ChannelWriter<ReadingBatch> Writer => _channel.Writer;

    /// <summary>Where the pipeline reads.</summary>
    public ChannelReader<ReadingBatch> Reader => _channel.Reader;
}
