using System.Globalization;
using Microsoft.Data.Sqlite;

namespace FacilityGateway.IntegrationTests.Infrastructure;

/// <summary>Reads a gateway's outbox file from outside the process (read-only; WAL lets it run beside the writer).</summary>
public static class OutboxFile
{
    public static long Scalar(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
