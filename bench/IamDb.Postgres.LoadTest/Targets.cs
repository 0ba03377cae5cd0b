using System.Security.Cryptography;
using IamDb.Postgres.Credentials;
using Npgsql;

namespace IamDb.Postgres.LoadTest;

/// <summary>
/// Something that issues one credential per call. The raw target and IamDb's administration are here; a broker target
/// (GetClusterCredentials over loopback HTTP, <c>--broker URL</c>) implements the same interface and plugs into the same runner.
/// </summary>
internal interface IIssuanceTarget : IAsyncDisposable
{
    string Name { get; }

    Task IssueOneAsync(CancellationToken ct);
}

/// <summary>
/// The ceiling: exactly the statements IssueAsync sends (one batch, one implicit transaction), straight through Npgsql, with
/// a verifier computed once up front and none of IamDb's reads, validation or bookkeeping.
/// </summary>
internal sealed class RawSqlTarget(NpgsqlDataSource source, string baseUser, int iterations) : IIssuanceTarget
{

    public string Name => "raw SQL (same DDL batch)";

    public async Task IssueOneAsync(CancellationToken ct)
    {
        var plan = new IssuanceSql.Plan(
            RoleMarkers.NewLoginRoleName("IAM:", baseUser), RandomVerifier(iterations), DateTimeOffset.UtcNow.AddMinutes(15), baseUser,
            CreateBaseUser: false, [], [RoleMarkers.AllDatabasesRoleName], null);
        await using var conn = await source.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(conn);
        foreach (var statement in IssuanceSql.Build(plan))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(statement.Sql));
        }

        await batch.ExecuteNonQueryAsync(ct);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    // A verifier of the real shape, size and iteration count from random bytes: to the server it is the same string (CREATE
    // ROLE spends `iterations` PBKDF2 rounds on it, checking that it is not the empty password's), and producing it costs
    // the client nothing, so the ceiling measures PostgreSQL alone.
    private static string RandomVerifier(int iterations) =>
        ScramVerifier.Format(
            RandomNumberGenerator.GetBytes(ScramVerifier.SaltBytes),
            iterations,
            new ScramVerifier.Keys(RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32)));
}

/// <summary>IamDb's own issuance: the catalog read, validation, SCRAM derivation and the batch.</summary>
internal sealed class AdministrationTarget(ClusterEndpoint endpoint, string baseUser, int iterations, bool alwaysRead = false) : IIssuanceTarget
{
    private readonly PostgresClusterAdministration _admin = new()
    {
        ScramIterations = iterations,
        CatalogRecheckInterval = alwaysRead ? TimeSpan.Zero : TimeSpan.FromSeconds(5),
    };

    public string Name => $"IssueAsync (SCRAM i={iterations}{(alwaysRead ? ", read every time" : "")})";

    public Task IssueOneAsync(CancellationToken ct) =>
        _admin.IssueAsync(endpoint, new CredentialRequest(baseUser, null, [], false, DateTimeOffset.UtcNow.AddMinutes(15), "IAM:"), ct);

    public ValueTask DisposeAsync() => _admin.DisposeAsync();
}
