using System.CommandLine;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace FacilityGateway.Cli;

/// <summary><c>outbox dead-letters</c>: the records a sink set aside because it could never send them.</summary>
internal static class OutboxCommands
{
    public static Command Build(Option<FileInfo> configOption, TextWriter output, TextWriter error)
    {
        var outbox = new Command("outbox", "Look into the gateway's outbox file.");
        var deadLetters = new Command("dead-letters", "List the records a sink could never send (kept for analysis; the sink went on without them).") { configOption };
        deadLetters.SetAction(parse =>
        {
            var config = ConfigurationReport.Load(parse.GetValue(configOption)!.FullName, error);
            if (config is null)
                return ExitCodes.ConfigurationError;
            using var connection = ConfigurationReport.OpenOutboxReadOnly(config, output, "no dead letters");
            if (connection is null)
                return ExitCodes.Ok;
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT sink, id, kind, failed_at, reason, length(payload) FROM dead_letters ORDER BY failed_at, sink, id";
            int count = 0;
            try
            {
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    count++;
                    var failedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3));
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{failedAt:yyyy-MM-dd HH:mm:ss}Z  sink {reader.GetString(0)}  record {reader.GetInt64(1)} (kind {reader.GetInt32(2)}, {reader.GetInt64(5)} bytes): {reader.GetString(4)}"));
                }
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == 1 /* no such table: an outbox from before dead letters */)
            {
            }
            output.WriteLine(count == 0 ? "no dead letters" : $"{count} dead letter(s)");
            return ExitCodes.Ok;
        });
        outbox.Add(deadLetters);
        return outbox;
    }
}
