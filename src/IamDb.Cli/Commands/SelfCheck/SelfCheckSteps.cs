using System.Security.Cryptography;
using IamDb.Postgres.LocalServer;
using Npgsql;

namespace IamDb.Cli.Commands.SelfCheck;

/// <summary>The self-check's steps, in the order a request meets them.</summary>
internal static class SelfCheckSteps
{
    public static IReadOnlyList<SelfCheckStep> All(bool skipPostgres)
    {
        var steps = new List<SelfCheckStep>(ProtocolSteps.All());
        steps.AddRange(PolicySteps.All());
        if (!skipPostgres)
        {
            steps.Add(new SelfCheckStep(
                "A throwaway PostgreSQL server",
                "initdb + pg_ctl from this machine's binaries, 127.0.0.1 only, SCRAM-SHA-256; connect, query, stop, delete.",
                RunPostgresAsync));
        }

        return steps;
    }

    private static async Task<string> RunPostgresAsync(CancellationToken ct)
    {
        var dir = Directory.CreateTempSubdirectory("iamdb-selfcheck-").FullName;
        try
        {
            var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
            await using var server = await LocalPostgresServer.StartAsync(
                new LocalPostgresOptions { Directory = dir, Durable = false }, password, ct: ct);
            await using var dataSource = server.CreateDataSource();
            await using var cmd = dataSource.CreateCommand("select current_setting('server_version'), current_setting('password_encryption')");
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct) || reader.GetString(1) != "scram-sha-256")
            {
                throw new SelfCheckFailedException("the server does not use SCRAM-SHA-256 password encryption");
            }

            var version = reader.GetString(0);
            await reader.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
            await server.StopAsync(ct);
            return $"PostgreSQL {version} on 127.0.0.1:{server.Port} accepted a SCRAM login, answered, and stopped.";
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
