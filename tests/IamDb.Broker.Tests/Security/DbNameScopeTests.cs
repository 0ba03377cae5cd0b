using IamDb.Broker.Tests.Actions.Redshift;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Broker.Tests.Security;

/// <summary>
/// Attack: a credential scoped to DbName=dba for a login user that registration granted CONNECT on every database (so that it
/// kept what PUBLIC gave it) connects to dbb.
/// </summary>
public sealed class DbNameScopeTests(PostgresServerFixture postgres)
{
    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 12)];

    [Fact]
    public async Task GetClusterCredentials_LoginUserScopedToOneDatabase_RefusedUntilDisableClusterPasswords_ThenScoped()
    {
        var bob = Unique("bob");
        var dbA = await postgres.CreateDatabaseAsync("dba");
        var dbB = await postgres.CreateDatabaseAsync("dbb");
        await using (var source = postgres.CreateDataSource())
        {
            await using var create = source.CreateCommand($"CREATE ROLE {bob} LOGIN PASSWORD 'bobs-password'");
            await create.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        // Registration prepares dba and dbb: PUBLIC loses CONNECT, bob is granted it on both.
        await using var kit = await RedshiftTestKit.StartAsync(postgres);

        var refused = await kit.GetCredentialsAsync(bob, dbName: dbA);

        Assert.Equal("InvalidParameterValue", refused.ErrorCode);
        Assert.Contains("DbName", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains($"iamdb clusters disable-passwords clusterA --user {bob}", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(0L, await kit.ScalarAsync<long>($"SELECT count(*) FROM pg_roles WHERE rolname LIKE 'IAM:{bob}:%'"));

        var disabled = await kit.Broker.CallAsync("redshift", "DisableClusterPasswords",
            [new("ClusterIdentifier", "clusterA"), new("DbUsers.DbUser.1", bob)]);
        Assert.True(disabled.ErrorCode is null, disabled.ToString());
        Assert.Contains($"<member>{dbB}</member>", disabled.Body, StringComparison.Ordinal);

        var issued = await kit.GetCredentialsAsync(bob, dbName: dbA);

        Assert.True(issued.ErrorCode is null, issued.ToString());
        Assert.Equal(bob, await kit.CurrentUserAsync(issued.Find("DbUser")!, issued.Find("DbPassword")!, dbA));
        var denied = await Assert.ThrowsAsync<PostgresException>(() => kit.ConnectAsync(issued.Find("DbUser")!, issued.Find("DbPassword")!, dbB));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
    }
}
