using IamDb.Postgres.Credentials;
using IamDb.Testing;

namespace IamDb.Postgres.Tests.Credentials;

/// <summary>Every refused issuance leaves the whole catalog (roles, comments, memberships, database ACLs) as it was.</summary>
[Collection(nameof(CatalogSnapshotTests))]
public class IssuanceFailureTests(PostgresServerFixture fixture) : ClusterAdministrationTests(fixture)
{
    public override async ValueTask InitializeAsync()
    {
        // Prepared up front, so a refused issuance has no preparation to do and the snapshot compares issuance alone.
        await Admin.PrepareAsync(Cluster.Endpoint, Ct);
        await Cluster.ExecAsync("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'victim') THEN CREATE ROLE victim NOLOGIN; END IF; END $$");
    }

    private async Task<ClusterOperationException> RefusedAsync(CredentialRequest request)
    {
        var before = await Cluster.CatalogSnapshotAsync();
        var ex = await Assert.ThrowsAsync<ClusterOperationException>(() => Admin.IssueAsync(Cluster.Endpoint, request, Ct));
        Assert.Equal(before, await Cluster.CatalogSnapshotAsync());
        Assert.DoesNotContain(Cluster.SuperPassword, ex.ToString(), StringComparison.Ordinal);
        return ex;
    }

    [Fact]
    public async Task IssueAsync_MissingUserWithoutAutoCreate_BaseUserMissingSaysAutoCreateWouldCreateIt()
    {
        var ex = await RefusedAsync(ClusterHarness.Request("nobody_here"));

        Assert.Equal(ClusterFailure.BaseUserMissing, ex.Failure);
        Assert.Equal("nobody_here", ex.Subject);
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
        Assert.Contains("AutoCreate", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IssueAsync_MissingGroup_GroupMissingAndNothingCreated()
    {
        var user = ClusterHarness.Unique("lonely");
        await Cluster.ExecAsync($"CREATE ROLE {user} NOLOGIN; CREATE ROLE {user}_g NOLOGIN");

        var ex = await RefusedAsync(ClusterHarness.Request(user, groups: [$"{user}_g", "no_such_group"]));

        Assert.Equal(ClusterFailure.GroupMissing, ex.Failure);
        Assert.Equal("no_such_group", ex.Subject);
    }

    [Fact]
    public async Task IssueAsync_MissingGroupWithAutoCreate_DoesNotCreateTheUserEither()
    {
        var user = ClusterHarness.Unique("halfway");

        var ex = await RefusedAsync(ClusterHarness.Request(user, groups: ["no_such_group"], autoCreate: true));

        Assert.Equal(ClusterFailure.GroupMissing, ex.Failure);
    }

    [Fact]
    public async Task IssueAsync_MissingDatabase_DatabaseMissing()
    {
        var user = ClusterHarness.Unique("wanderer");
        await Cluster.ExecAsync($"CREATE ROLE {user} NOLOGIN");

        var ex = await RefusedAsync(ClusterHarness.Request(user, "no_such_db", autoCreate: true));

        Assert.Equal(ClusterFailure.DatabaseMissing, ex.Failure);
        Assert.Equal("no_such_db", ex.Subject);
    }

    [Theory]
    [InlineData("victim\"; DROP ROLE victim; --")]
    [InlineData("victim' OR '1'='1")]
    [InlineData("\"victim\"")]
    [InlineData("vіctim")] // Cyrillic і
    [InlineData("VICTIM")]
    [InlineData("victim\\")]
    public async Task IssueAsync_HostileButPrintableUser_IsJustAMissingName(string name)
    {
        var ex = await RefusedAsync(ClusterHarness.Request(name));

        Assert.Equal(ClusterFailure.BaseUserMissing, ex.Failure);
        Assert.True(await Cluster.ScalarAsync<bool>("select exists (select 1 from pg_roles where rolname = 'victim')"));
    }

    [Theory]
    [InlineData("vic\0tim")]
    [InlineData("victim\n")]
    [InlineData("vic\u200btim")] // zero-width space
    [InlineData("vic\u202etim")] // right-to-left override
    [InlineData("")]
    [InlineData("public")]
    [InlineData("pg_execute_server_program")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")] // 64 bytes
    [InlineData("ééééééééééééééééééééééééééééééééé")] // 33 characters, 66 bytes
    public async Task IssueAsync_InvalidNameAnywhere_InvalidNameBeforeAnySql(string name)
    {
        Assert.Equal(ClusterFailure.InvalidName, (await RefusedAsync(ClusterHarness.Request(name, autoCreate: true))).Failure);
        Assert.Equal(ClusterFailure.InvalidName, (await RefusedAsync(ClusterHarness.Request("victim", groups: [name]))).Failure);
        if (name is not ("public" or "pg_execute_server_program"))
        {
            Assert.Equal(ClusterFailure.InvalidName, (await RefusedAsync(ClusterHarness.Request("victim", dbName: name))).Failure);
        }
    }

    [Fact]
    public async Task IssueAsync_HostileAutoCreatedName_CreatesExactlyThatNameAndNothingElse()
    {
        var name = ClusterHarness.Unique("x") + "\"; DROP ROLE victim; --";

        var issued = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(name, autoCreate: true), Ct);

        Assert.True(issued.BaseUserCreated);
        Assert.True(await Cluster.ScalarAsync<bool>("select exists (select 1 from pg_roles where rolname = $1)", name));
        Assert.True(await Cluster.ScalarAsync<bool>("select exists (select 1 from pg_roles where rolname = 'victim')"));
        Assert.Equal(name, (await Cluster.WhoAmIAsync(issued)).CurrentUser);
        Assert.True(await Admin.DropLoginRoleAsync(Cluster.Endpoint, issued.LoginRoleName, terminateSessions: true, Ct));
        await Cluster.ExecAsync($"DROP ROLE \"{name.Replace("\"", "\"\"")}\"");
    }

    [Fact]
    public async Task IssueAsync_AfterASuccessfulIssuance_RefusalsAreTheSame()
    {
        // The second and later issuances on one administration object skip the catalog read; refusals must not change.
        var user = ClusterHarness.Unique("warm");
        await Cluster.ExecAsync($"CREATE ROLE {user} NOLOGIN");
        var warm = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user), Ct);

        Assert.Equal(ClusterFailure.GroupMissing, (await RefusedAsync(ClusterHarness.Request(user, groups: ["no_such_group"]))).Failure);
        Assert.Equal(ClusterFailure.BaseUserMissing, (await RefusedAsync(ClusterHarness.Request(user + "_gone"))).Failure);
        Assert.Equal(ClusterFailure.DatabaseMissing, (await RefusedAsync(ClusterHarness.Request(user, "no_such_db"))).Failure);
        Assert.Equal(ClusterFailure.InvalidName, (await RefusedAsync(ClusterHarness.Request(RoleMarkers.ConnectRoleName("postgres")))).Failure);
        Assert.Equal(ClusterFailure.InvalidName, (await RefusedAsync(ClusterHarness.Request(warm.LoginRoleName))).Failure);
        Assert.True(await Admin.DropLoginRoleAsync(Cluster.Endpoint, warm.LoginRoleName, terminateSessions: true, Ct));
    }

    [Fact]
    public async Task IssueAsync_ManagedRoleAsUserOrGroup_IsRefused()
    {
        var connectRole = RoleMarkers.ConnectRoleName("postgres");

        Assert.Equal(ClusterFailure.InvalidName, (await RefusedAsync(ClusterHarness.Request(connectRole))).Failure);
        Assert.Equal(ClusterFailure.InvalidName, (await RefusedAsync(ClusterHarness.Request("victim", groups: [connectRole]))).Failure);
    }
}
