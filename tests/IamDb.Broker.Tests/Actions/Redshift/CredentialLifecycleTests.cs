using IamDb.Broker.Tests.Support;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Broker.Tests.Actions.Redshift;

/// <summary>GetClusterCredentialsWithIAM, RevokeClusterCredentials and DescribeClusterCredentials against the real test server.</summary>
public sealed class CredentialLifecycleTests(PostgresServerFixture postgres)
{
    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 12)];

    [Fact]
    public async Task WithIam_MapsTheUserToIamName_CreatedWithoutPassword()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var name = Unique("iu");
        var policy = """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift:GetClusterCredentialsWithIAM",
              "Resource":"arn:aws:redshift:us-east-1:*:dbname:clusterA/*"}]}
            """;
        var (_, key) = await StoreSeed.UserWithKeyAsync(kit.Broker, name, policy);

        var reply = await kit.Broker.CallAsync("redshift", "GetClusterCredentialsWithIAM", [new("ClusterIdentifier", "clusterA")], key);

        Assert.True(reply.ErrorCode is null, reply.ToString());
        Assert.NotNull(reply.Find("NextRefreshTime"));
        Assert.Equal("IAM:" + name, await kit.CurrentUserAsync(reply.Find("DbUser")!, reply.Find("DbPassword")!));
        Assert.False(await kit.ScalarAsync<bool>($"SELECT rolcanlogin FROM pg_roles WHERE rolname = 'IAM:{name}'"));

        var scoped = await kit.Broker.CallAsync("redshift", "GetClusterCredentialsWithIAM",
            [new("ClusterIdentifier", "clusterA"), new("DbName", "postgres")], key);
        Assert.Null(scoped.ErrorCode); // dbname:clusterA/* covers every database
    }

    [Fact]
    public async Task WithIam_MapsARoleSessionToIamrRole_WithGroupsFromItsTag()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var roleName = Unique("etl");
        var group = Unique("g");
        await kit.EnsureRoleAsync(group);
        var (user, key) = await StoreSeed.UserWithKeyAsync(kit.Broker, "jack",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}""");
        var trust = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"{{user.Arn}}"},"Action":"sts:AssumeRole"}]}""";
        var role = await StoreSeed.RoleAsync(kit.Broker, roleName, trust, 3600,
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift:GetClusterCredentialsWithIAM","Resource":"*"}]}""");
        var tagged = await kit.Broker.CallAsync("iam", "TagRole",
            [new("RoleName", roleName), new("Tags.member.1.Key", "RedshiftDbGroups"), new("Tags.member.1.Value", $"{group}:not:1bad")]);
        Assert.True(tagged.ErrorCode is null, tagged.ToString());
        var assumed = await kit.Broker.CallAsync("sts", "AssumeRole", [new("RoleArn", role.Arn), new("RoleSessionName", "nightly")], key);
        Assert.True(assumed.ErrorCode is null, assumed.ToString());
        var session = new IamDb.Aws.Signing.SigningCredentials(assumed.Find("AccessKeyId")!, assumed.Find("SecretAccessKey")!, assumed.Find("SessionToken"));

        var reply = await kit.Broker.CallAsync("redshift", "GetClusterCredentialsWithIAM", [new("ClusterIdentifier", "clusterA")], session);

        Assert.True(reply.ErrorCode is null, reply.ToString());
        await using var connection = await kit.ConnectAsync(reply.Find("DbUser")!, reply.Find("DbPassword")!);
        await using var command = new NpgsqlCommand($"SELECT pg_has_role(session_user, 'IAMR:{roleName}', 'MEMBER') || ' ' || pg_has_role(session_user, '{group}', 'MEMBER')", connection);
        // With groups the session stays the login role (member of IAMR:role and the group); "not" (reserved) and "1bad" were skipped.
        Assert.Equal("true true", await command.ExecuteScalarAsync(ct));
        Assert.True(await kit.RoleExistsAsync("IAMR:" + roleName));

        var missing = await kit.Broker.CallAsync("iam", "TagRole",
            [new("RoleName", roleName), new("Tags.member.1.Key", "RedshiftDbGroups"), new("Tags.member.1.Value", "nosuchgroup")]);
        Assert.Null(missing.ErrorCode);
        var refused = await kit.Broker.CallAsync("redshift", "GetClusterCredentialsWithIAM", [new("ClusterIdentifier", "clusterA")], session);
        Assert.Equal("InvalidParameterValue", refused.ErrorCode);
        Assert.Contains("principal tag RedshiftDbGroups", refused.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithIam_IsAuthorizedOnTheDbName_AndRefusesRoot()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var (_, key) = await StoreSeed.UserWithKeyAsync(kit.Broker, "hank",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift:GetClusterCredentialsWithIAM","Resource":"arn:aws:redshift:*:*:dbname:clusterA/dev"}]}""");

        var denied = await kit.Broker.CallAsync("redshift", "GetClusterCredentialsWithIAM", [new("ClusterIdentifier", "clusterA")], key);
        var root = await kit.Broker.CallAsync("redshift", "GetClusterCredentialsWithIAM", [new("ClusterIdentifier", "clusterA")]);

        Assert.Equal("AccessDenied", denied.ErrorCode);
        Assert.Contains($"redshift:GetClusterCredentialsWithIAM on resource: arn:aws:redshift:us-east-1:{kit.Broker.AccountId}:dbname:clusterA/*",
            denied.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal("UnsupportedOperation", root.ErrorCode);
    }

    [Fact]
    public async Task Revoke_OneLoginRole_EndsItsSessions_DropsIt_AndIsAudited()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var user = Unique("u");
        await kit.EnsureRoleAsync(user);
        var keep = await kit.GetCredentialsAsync(user);
        var doomed = await kit.GetCredentialsAsync(user);
        var login = doomed.Find("DbUser")!;
        await using var session = await kit.ConnectAsync(login, doomed.Find("DbPassword")!);

        var reply = await kit.Broker.CallAsync("redshift", "RevokeClusterCredentials", [new("ClusterIdentifier", "clusterA"), new("LoginRole", login)]);

        Assert.True(reply.ErrorCode is null, reply.ToString());
        Assert.Equal(login, reply.All("member").Single().Elements().First(e => e.Name.LocalName == "DbUser").Value);
        Assert.False(await kit.RoleExistsAsync(login));
        Assert.True(await kit.RoleExistsAsync(keep.Find("DbUser")!));
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var command = new NpgsqlCommand("SELECT 1", session);
            await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
        });
        var credential = await kit.Broker.Store.ReadAsync((r, c) => r.Credentials.GetAsync(doomed.RequestId!, c), TestContext.Current.CancellationToken);
        Assert.NotNull(credential!.RevokedAt);
        var audit = (await kit.Broker.AuditAsync()).First(a => a.RequestId == reply.RequestId);
        Assert.Equal("RevokeClusterCredentials", audit.EventName);
        Assert.Contains(login, audit.ResponseElements!.Value.GetRawText(), StringComparison.Ordinal);

        var described = await kit.Broker.CallAsync("redshift", "DescribeClusterCredentials", [new("ClusterIdentifier", "clusterA")]);
        var statuses = described.All("member").Where(m => m.Elements().Any(e => e.Name.LocalName == "Status"))
            .ToDictionary(m => m.Elements().First().Value, m => m.Elements().First(e => e.Name.LocalName == "Status").Value);
        Assert.Equal("revoked", statuses[login]);
        Assert.Equal("active", statuses[keep.Find("DbUser")!]);
        Assert.DoesNotContain(keep.Find("DbPassword")!, described.Body, StringComparison.Ordinal);

        var again = await kit.Broker.CallAsync("redshift", "RevokeClusterCredentials", [new("ClusterIdentifier", "clusterA"), new("LoginRole", login)]);
        Assert.Equal("CredentialNotFound", again.ErrorCode);
    }

    [Fact]
    public async Task Revoke_ByPrincipal_DropsEverythingIssuedToIt()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var user = Unique("u");
        await kit.EnsureRoleAsync(user);
        var (iam, key) = await StoreSeed.UserWithKeyAsync(kit.Broker, "ivy",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift:GetClusterCredentials","Resource":"*"}]}""");
        var a = await kit.GetCredentialsAsync(user, key);
        var b = await kit.GetCredentialsAsync(user, key);
        var other = await kit.GetCredentialsAsync(user);

        var reply = await kit.Broker.CallAsync("redshift", "RevokeClusterCredentials", [new("PrincipalArn", iam.Arn)]);

        Assert.True(reply.ErrorCode is null, reply.ToString());
        Assert.Equal(2, reply.All("member").Count());
        Assert.False(await kit.RoleExistsAsync(a.Find("DbUser")!));
        Assert.False(await kit.RoleExistsAsync(b.Find("DbUser")!));
        Assert.True(await kit.RoleExistsAsync(other.Find("DbUser")!));

        var none = await kit.Broker.CallAsync("redshift", "RevokeClusterCredentials", []);
        Assert.Equal("InvalidParameterCombination", none.ErrorCode);
    }
}
