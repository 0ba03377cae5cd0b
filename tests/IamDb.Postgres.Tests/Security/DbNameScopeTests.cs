using IamDb.Postgres.Credentials;
using IamDb.Postgres.Tests.Credentials;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Postgres.Tests.Security;

/// <summary>
/// Attack: a credential scoped to one database, for a base user that can log in and that preparation granted CONNECT on
/// every database (so it kept the access PUBLIC gave it), used to connect to another database.
/// </summary>
public class DbNameScopeTests(PostgresServerFixture fixture) : ClusterAdministrationTests(fixture)
{
    [Fact]
    public async Task IssueAsync_LoginUserWithPreparedGrants_IsRefusedUntilDisablePasswords_ThenScoped()
    {
        var bob = ClusterHarness.Unique("bob");
        var dbA = await Cluster.Fixture.CreateDatabaseAsync("dba");
        var dbB = await Cluster.Fixture.CreateDatabaseAsync("dbb");
        await Cluster.ExecAsync($"CREATE ROLE {bob} LOGIN PASSWORD 'bobs-password'");
        // Registration: PUBLIC loses CONNECT on dba and dbb, bob is granted it on both.
        await Admin.PrepareAsync(Cluster.Endpoint, Ct);
        Assert.True(await Cluster.ScalarAsync<bool>("select has_database_privilege($1, $2, 'CONNECT')", bob, dbB));

        var refused = await Assert.ThrowsAsync<ClusterOperationException>(
            () => Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(bob, dbA), Ct));

        Assert.Equal(ClusterFailure.DatabaseScopeNotEnforceable, refused.Failure);
        Assert.Equal(bob, refused.Subject);
        Assert.Contains($"holds CONNECT on database \"", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"disable-passwords", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"--user {bob}", refused.Message, StringComparison.Ordinal);
        Assert.Empty(await Cluster.StringsAsync("select rolname from pg_roles where rolname like $1", $"IAM:{bob}:%"));

        var changes = await Admin.DisablePasswordsAsync(Cluster.Endpoint, [bob], dryRun: false, Ct);
        Assert.True(changes.Single().Changed);
        Assert.Contains(dbB, changes.Single().ConnectRevokedOn);
        Assert.False(await Cluster.ScalarAsync<bool>("select has_database_privilege($1, $2, 'CONNECT')", bob, dbB));

        var issued = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(bob, dbA), Ct);

        Assert.Equal(bob, (await Cluster.WhoAmIAsync(issued, dbA)).CurrentUser);
        foreach (var other in new[] { dbB, "postgres" })
        {
            await using var conn = Cluster.Login(issued.LoginRoleName, issued.Password, other);
            var denied = await Assert.ThrowsAsync<PostgresException>(() => conn.OpenAsync(Ct));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
        }

        // Without DbName bob's credential still reaches every database, through the all-databases role.
        var everywhere = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(bob), Ct);
        Assert.Equal(bob, (await Cluster.WhoAmIAsync(everywhere, dbB)).CurrentUser);
    }

    [Fact]
    public async Task IssueAsync_ScopedCredentialOfALoginUser_NeverConnectsElsewhere()
    {
        // The attack in its plain form, on a cluster that was prepared while bob could log in.
        var bob = ClusterHarness.Unique("bob");
        var dbA = await Cluster.Fixture.CreateDatabaseAsync("dba");
        var dbB = await Cluster.Fixture.CreateDatabaseAsync("dbb");
        await Cluster.ExecAsync($"CREATE ROLE {bob} LOGIN PASSWORD 'bobs-password'");
        await Admin.PrepareAsync(Cluster.Endpoint, Ct);

        IssuedLoginRole issued;
        try
        {
            issued = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(bob, dbA), Ct);
        }
        catch (ClusterOperationException)
        {
            return; // Refused: fine.
        }

        await using var conn = Cluster.Login(issued.LoginRoleName, issued.Password, dbB);
        var denied = await Assert.ThrowsAsync<PostgresException>(() => conn.OpenAsync(Ct));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
    }

    [Fact]
    public async Task IssueAsync_GroupHoldingConnectElsewhere_IsRefusedForAScopedCredential()
    {
        var user = ClusterHarness.Unique("scoped");
        var group = ClusterHarness.Unique("wide");
        var dbA = await Cluster.Fixture.CreateDatabaseAsync("dba");
        var dbB = await Cluster.Fixture.CreateDatabaseAsync("dbb");
        await Admin.PrepareAsync(Cluster.Endpoint, Ct);
        await Cluster.ExecAsync($"CREATE ROLE {user} NOLOGIN; CREATE ROLE {group} NOLOGIN; GRANT CONNECT ON DATABASE \"{dbB}\" TO {group}");

        var refused = await Assert.ThrowsAsync<ClusterOperationException>(
            () => Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user, dbA, [group]), Ct));

        Assert.Equal(ClusterFailure.DatabaseScopeNotEnforceable, refused.Failure);
        Assert.Equal(group, refused.Subject);
        Assert.Contains(dbB, refused.Message, StringComparison.Ordinal);

        // Without DbName the same group is fine: the credential is meant to reach every database.
        var everywhere = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user, groups: [group]), Ct);
        Assert.NotNull(everywhere);
    }
}
