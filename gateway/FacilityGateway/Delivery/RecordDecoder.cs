using FacilityGateway.Outbox;
using FacilityGateway.Sinks;
using FacilityGateway.Tickets;

namespace FacilityGateway.Delivery;

/// <summary>
/// Turns outbox records into what a sink takes: decoded once here, so sinks never read the outbox's formats. A record
/// that cannot be decoded (after a downgrade, or through a bug) is an <see cref="UndeliverableRecordException"/>: the
/// runner sets it aside as a dead letter.
/// </summary>
internal static class RecordDecoder
{
    /// <summary>The record for a sink that takes <paramref name="takes"/>, or null when it takes no such record.</summary>
    public static SinkRecord? Decode(OutboxRecord record, SinkTakes takes, ReportByExceptionFilter.Round? changes) => record.Kind switch
    {
        OutboxRecordKind.Readings when takes.HasFlag(SinkTakes.Telemetry) => Telemetry(record, changes),
        OutboxRecordKind.TicketChange when takes.HasFlag(SinkTakes.TicketChanges) =>
            new TicketChangeRecord(record.Id, record.Key, Decoded(record, p => TicketEvent.Decode(p)), record.Payload),
        OutboxRecordKind.FloodDigest when takes.HasFlag(SinkTakes.Digests) =>
            new DigestRecord(record.Id, record.Key, Decoded(record, p => TicketDigest.Decode(p)), record.Payload),
        _ => null,
    };

    private static TelemetryRecord Telemetry(OutboxRecord record, ReportByExceptionFilter.Round? changes)
    {
        var batch = Decoded(record, p => ReadingBatchCodec.Decode(p, record.Layouts));
        return new TelemetryRecord(record.Id, record.Key, batch, changes is null ? batch.Readings : changes.Select(batch));
    }

    private static T Decoded<T>(OutboxRecord record, Func<byte[], T> decode)
    {
        try
        {
            return decode(record.Payload) ?? throw new UndeliverableRecordException(record.Id, $"record {record.Id} ({record.Kind}) decodes to nothing");
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or FormatException or InvalidOperationException or NotSupportedException or ArgumentException or KeyNotFoundException or InvalidCastException or IndexOutOfRangeException or EndOfStreamException)
        {
            throw new UndeliverableRecordException(record.Id, $"record {record.Id} ({record.Kind}) cannot be decoded: {ex.Message}", ex);
        }
    }
}
