using System.Text.Json.Nodes;
using IamDb.Aws.Signing;
using IamDb.Broker.State.Audit;
using IamDb.Broker.State.Iam;
using IamDb.Broker.Tests.Actions.Redshift;
using IamDb.Broker.Tests.Support;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Broker.Tests.Federation;

/// <summary>
/// IamDb's group mapping in <c>AssumeRoleWithWebIdentity</c>: the provider's <c>iamdb:map/groups</c> and
/// <c>iamdb:map-prefix/groups</c> tags (set through IAM's own tagging call) turn the token's <c>groups</c> claim into the
/// <c>RedshiftDbGroups</c> session tag, which <c>GetClusterCredentialsWithIAM</c> logs in with. The token's own tag claim
/// wins over the mapping; mapped tags need <c>sts:TagSession</c> and are seen by <c>aws:RequestTag/*</c>; a privileged
/// group still cannot be joined; a provider without a mapping tag maps nothing.
/// </summary>
public sealed class WebIdentityGroupsMappingTests(PostgresServerFixture postgres)
{
    private const string WithIamPolicy = """
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift:GetClusterCredentialsWithIAM","Resource":"*"}]}
        """;

    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 10)];

    [Fact]
    public async Task GroupsClaim_MappedAndFiltered_IsWhatTheIamrLoginHolds_AndAPrivilegedMappedGroupIsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var issuer = await KubernetesStyleIssuer.StartAsync();
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var provider = await WebIdentityFederationTests.RegisterAsync(kit.Broker, issuer);
        await TagProviderAsync(kit, provider, ("iamdb:map/groups", "RedshiftDbGroups"), ("iamdb:map-prefix/groups", "db_"));
        var readers = Unique("db_readers");
        var etl = Unique("db_etl");
        var admins = Unique("admins"); // exists, so only the filter keeps the login out of it
        var super = Unique("db_super");
        foreach (var group in new[] { readers, etl, admins })
        {
            await kit.EnsureRoleAsync(group);
        }

        await kit.ExecAsync($"CREATE ROLE {super} SUPERUSER NOLOGIN");
        var roleName = Unique("fed");
        // The trust policy sees the mapped tag as aws:RequestTag/RedshiftDbGroups, with exactly the filtered groups.
        var trust = $$"""
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"{{provider}}"},
              "Action":["sts:AssumeRoleWithWebIdentity","sts:TagSession"],
              "Condition":{"StringLike":{"aws:RequestTag/RedshiftDbGroups":"db_*"} } }]}
            """;
        var role = await StoreSeed.RoleAsync(kit.Broker, roleName, trust, 3600, WithIamPolicy);
        var strict = await StoreSeed.RoleAsync(kit.Broker, Unique("strict"), trust.Replace("db_*", $"{readers}:{etl}", StringComparison.Ordinal), 3600, WithIamPolicy);
        var noTagSession = await StoreSeed.RoleAsync(
            kit.Broker, Unique("notag"), WebIdentityFederationTests.TrustPolicy(provider, issuer, "system:serviceaccount:ci:builder"), 3600, WithIamPolicy);

        var token = issuer.Sign(WithGroups(issuer.Claims(), readers, admins, etl));
        var assumed = await WebIdentityFederationTests.AssumeAsync(kit.Broker, role.Arn, "mapped", token);
        Assert.True(assumed.ErrorCode is null, assumed.ToString());
        Assert.Null((await WebIdentityFederationTests.AssumeAsync(kit.Broker, strict.Arn, "strict", token)).ErrorCode);
        var refusedWithoutTagSession = await WebIdentityFederationTests.AssumeAsync(kit.Broker, noTagSession.Arn, "notag", token);
        Assert.Equal("AccessDenied", refusedWithoutTagSession.ErrorCode);

        var stored = await kit.Broker.Store.ReadAsync((r, t) => r.Sessions.GetAsync(assumed.Find("AccessKeyId")!, t), ct);
        Assert.Equal([new Tag("RedshiftDbGroups", $"{readers}:{etl}")], stored!.SessionTags);
        Assert.Empty(stored.TransitiveTagKeys);
        var audit = AuditJson.Write((await kit.Broker.AuditAsync()).Single(r => r.RequestId == assumed.RequestId));
        Assert.Contains($"RedshiftDbGroups={readers}:{etl}", audit, StringComparison.Ordinal);
        Assert.Contains("mappedSessionTagKeys", audit, StringComparison.Ordinal);

        var reply = await kit.Broker.CallAsync("redshift", "GetClusterCredentialsWithIAM", [new("ClusterIdentifier", kit.ClusterId)], Credentials(assumed));
        Assert.True(reply.ErrorCode is null, reply.ToString());
        await using (var connection = await kit.ConnectAsync(reply.Find("DbUser")!, reply.Find("DbPassword")!))
        {
            // Every group the login holds besides its own IAMR role and the broker's connect role.
            await using var command = new NpgsqlCommand(
                $"SELECT string_agg(r.rolname, ',' ORDER BY r.rolname) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid " +
                $"WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = session_user) AND r.rolname NOT IN ('IAMR:{roleName}', 'iamdb_connect_all')",
                connection);
            Assert.Equal(string.Join(',', new[] { readers, etl }.Order(StringComparer.Ordinal)), await command.ExecuteScalarAsync(ct));
        }

        // A privileged group that passes the provider's filter is still refused at issuance, and nothing is granted.
        var privileged = await WebIdentityFederationTests.AssumeAsync(kit.Broker, role.Arn, "privileged", issuer.Sign(WithGroups(issuer.Claims(), super)));
        Assert.True(privileged.ErrorCode is null, privileged.ToString());
        var refused = await kit.Broker.CallAsync("redshift", "GetClusterCredentialsWithIAM", [new("ClusterIdentifier", kit.ClusterId)], Credentials(privileged));
        Assert.Equal("InvalidParameterValue", refused.ErrorCode);
        Assert.Contains("is not a database group: it has SUPERUSER", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(0L, await kit.ScalarAsync<long>($"SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid WHERE r.rolname = '{super}'"));
    }

    [Fact]
    public async Task TheTokensOwnTagWinsOverTheMapping_AndWithoutAMappingTagNothingIsMapped()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var issuer = await KubernetesStyleIssuer.StartAsync();
        await using var broker = await WebIdentityFederationTests.StartBrokerAsync();
        var provider = await WebIdentityFederationTests.RegisterAsync(broker, issuer);
        await TagProviderAsync(broker, provider, ("iamdb:map/groups", "RedshiftDbGroups"), ("iamdb:map/department", "team"));
        var trust = $$"""
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"{{provider}}"},
              "Action":["sts:AssumeRoleWithWebIdentity","sts:TagSession"]}]}
            """;
        var role = await StoreSeed.RoleAsync(broker, "mapped", trust);
        var claims = WithGroups(issuer.Claims(), "db_mapped");
        claims["department"] = "data";
        claims["https://aws.amazon.com/tags"] = new JsonObject { ["principal_tags"] = new JsonObject { ["redshiftdbgroups"] = new JsonArray("db_explicit") } };

        var explicitWins = await WebIdentityFederationTests.AssumeAsync(broker, role.Arn, "explicit", issuer.Sign(claims));

        Assert.True(explicitWins.ErrorCode is null, explicitWins.ToString());
        var stored = await broker.Store.ReadAsync((r, t) => r.Sessions.GetAsync(explicitWins.Find("AccessKeyId")!, t), ct);
        Assert.Equal([new Tag("redshiftdbgroups", "db_explicit"), new Tag("team", "data")], stored!.SessionTags);

        // Remove the mapping tags through IAM: the next sign-in (the provider is read afresh) maps nothing.
        var untag = await broker.CallAsync("iam", "UntagOpenIDConnectProvider",
            [new("OpenIDConnectProviderArn", provider), new("TagKeys.member.1", "iamdb:map/groups"), new("TagKeys.member.2", "iamdb:map/department")]);
        Assert.True(untag.ErrorCode is null, untag.ToString());
        var unmapped = await WebIdentityFederationTests.AssumeAsync(broker, role.Arn, "unmapped", issuer.Sign(WithGroups(issuer.Claims(), "db_mapped")));

        Assert.True(unmapped.ErrorCode is null, unmapped.ToString());
        var plain = await broker.Store.ReadAsync((r, t) => r.Sessions.GetAsync(unmapped.Find("AccessKeyId")!, t), ct);
        Assert.Empty(plain!.SessionTags);
    }

    [Fact]
    public async Task MappedGroupsBeyondIamsTagLimit_RefuseTheSignIn_NamingTheTag()
    {
        await using var issuer = await KubernetesStyleIssuer.StartAsync();
        await using var broker = await WebIdentityFederationTests.StartBrokerAsync();
        var provider = await WebIdentityFederationTests.RegisterAsync(broker, issuer);
        await TagProviderAsync(broker, provider, ("iamdb:map/groups", "RedshiftDbGroups"));
        var trust = $$"""
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"{{provider}}"},
              "Action":["sts:AssumeRoleWithWebIdentity","sts:TagSession"]}]}
            """;
        var role = await StoreSeed.RoleAsync(broker, "many", trust);
        var groups = Enumerable.Range(0, 30).Select(i => $"db_group_number_{i:D2}").ToArray(); // 30 x 18 characters + colons > 256

        var refused = await WebIdentityFederationTests.AssumeAsync(broker, role.Arn, "many", issuer.Sign(WithGroups(issuer.Claims(), groups)));

        Assert.Equal("InvalidIdentityToken", refused.ErrorCode);
        Assert.Contains("RedshiftDbGroups", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("iamdb:map-prefix/", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.Null(refused.Find("AccessKeyId"));
    }

    private static JsonObject WithGroups(JsonObject claims, params string[] groups)
    {
        claims["groups"] = new JsonArray([.. groups.Select(g => (JsonNode?)JsonValue.Create(g))]);
        return claims;
    }

    private static Task TagProviderAsync(RedshiftTestKit kit, string provider, params (string Key, string Value)[] tags) =>
        TagProviderAsync(kit.Broker, provider, tags);

    private static async Task TagProviderAsync(TestBroker broker, string provider, params (string Key, string Value)[] tags)
    {
        var parameters = new List<KeyValuePair<string, string>> { new("OpenIDConnectProviderArn", provider) };
        for (var i = 0; i < tags.Length; i++)
        {
            parameters.Add(new($"Tags.member.{i + 1}.Key", tags[i].Key));
            parameters.Add(new($"Tags.member.{i + 1}.Value", tags[i].Value));
        }

        var reply = await broker.CallAsync("iam", "TagOpenIDConnectProvider", parameters);
        Assert.True(reply.ErrorCode is null, reply.ToString());
    }

    private static SigningCredentials Credentials(QueryReply assumed) =>
        new(assumed.Find("AccessKeyId")!, assumed.Find("SecretAccessKey")!, assumed.Find("SessionToken"));
}
