using System.Text.Json.Nodes;
using IamDb.Aws.Signing;
using IamDb.Broker.Tests.Actions.Redshift;
using IamDb.Broker.Tests.Support;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Broker.Tests.Federation;

/// <summary>
/// A federated session is an ordinary role session: <c>GetClusterCredentialsWithIAM</c> maps it to <c>IAMR:role</c> with the
/// groups of its <c>RedshiftDbGroups</c> tag, which here comes from the token's session-tag claim, and the security rules
/// still refuse a privileged group at issuance, creating nothing.
/// </summary>
public sealed class WebIdentityGroupsTests(PostgresServerFixture postgres)
{
    private const string WithIamPolicy = """
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift:GetClusterCredentialsWithIAM","Resource":"*"}]}
        """;

    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 12)];

    [Fact]
    public async Task GroupsFromTheTokensSessionTags_AreJoinedByTheIamrLogin_AndAPrivilegedOneIsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var issuer = await KubernetesStyleIssuer.StartAsync();
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var provider = await WebIdentityFederationTests.RegisterAsync(kit.Broker, issuer);
        var roleName = Unique("fed");
        var group = Unique("g");
        var super = Unique("super");
        await kit.EnsureRoleAsync(group);
        await kit.ExecAsync($"CREATE ROLE {super} SUPERUSER NOLOGIN");
        var trust = $$"""
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"{{provider}}"},
              "Action":["sts:AssumeRoleWithWebIdentity","sts:TagSession"]} ]}
            """;
        var role = await StoreSeed.RoleAsync(kit.Broker, roleName, trust, 3600, WithIamPolicy);

        var session = await SessionWithGroupsAsync(kit, issuer, role.Arn, group);
        var reply = await kit.Broker.CallAsync("redshift", "GetClusterCredentialsWithIAM", [new("ClusterIdentifier", kit.ClusterId)], session);

        Assert.True(reply.ErrorCode is null, reply.ToString());
        await using (var connection = await kit.ConnectAsync(reply.Find("DbUser")!, reply.Find("DbPassword")!))
        {
            await using var command = new NpgsqlCommand(
                $"SELECT pg_has_role(session_user, 'IAMR:{roleName}', 'MEMBER') || ' ' || pg_has_role(session_user, '{group}', 'MEMBER')", connection);
            Assert.Equal("true true", await command.ExecuteScalarAsync(ct));
        }

        var privileged = await SessionWithGroupsAsync(kit, issuer, role.Arn, super);
        var refused = await kit.Broker.CallAsync("redshift", "GetClusterCredentialsWithIAM", [new("ClusterIdentifier", kit.ClusterId)], privileged);

        Assert.Equal("InvalidParameterValue", refused.ErrorCode);
        Assert.Contains("is not a database group: it has SUPERUSER", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(0L, await kit.ScalarAsync<long>($"SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid WHERE r.rolname = '{super}'"));
    }

    private static async Task<SigningCredentials> SessionWithGroupsAsync(RedshiftTestKit kit, KubernetesStyleIssuer issuer, string roleArn, string groups)
    {
        var claims = issuer.Claims();
        claims["https://aws.amazon.com/tags"] = new JsonObject { ["principal_tags"] = new JsonObject { ["RedshiftDbGroups"] = new JsonArray(groups) } };
        var assumed = await WebIdentityFederationTests.AssumeAsync(kit.Broker, roleArn, "grouped", issuer.Sign(claims));
        Assert.True(assumed.ErrorCode is null, assumed.ToString());
        return new SigningCredentials(assumed.Find("AccessKeyId")!, assumed.Find("SecretAccessKey")!, assumed.Find("SessionToken"));
    }
}
