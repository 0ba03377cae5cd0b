using IamDb.Aws.Signing;
using IamDb.Broker.State.Iam;
using IamDb.Broker.Tests.Actions.Redshift;
using IamDb.Broker.Tests.Support;
using IamDb.Federation.Saml;
using IamDb.Federation.Tests.Saml;
using IamDb.Testing;

namespace IamDb.Broker.Tests.Federation;

/// <summary>
/// IamDb's group mapping for SAML: a provider tagged <c>iamdb:map/groups=RedshiftDbGroups</c> (with a filter) turns the
/// assertion's plain <c>groups</c> attribute into the session's <c>RedshiftDbGroups</c> tag, which the
/// <c>GetClusterCredentialsWithIAM</c> login then joins on the real PostgreSQL server — only the filtered groups, never a
/// privileged one, and never over a <c>PrincipalTag:RedshiftDbGroups</c> the identity provider sent itself.
/// </summary>
public sealed class SamlGroupMappingTests(PostgresServerFixture postgres) : IDisposable
{
    private readonly TestSamlIdp _idp = TestSamlIdp.Rsa();

    public void Dispose() => _idp.Dispose();

    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 12)];

    private sealed record Setup(RedshiftTestKit Kit, string ProviderArn, string RoleArn, string RoleName);

    private async Task<Setup> StartAsync(RedshiftTestKit kit, string filter)
    {
        var providerArn = IdentityProviderArns.Saml(kit.Broker.AccountId, "Corp");
        Tag[] tags = [new("iamdb:map/groups", "RedshiftDbGroups"), new("iamdb:map-filter/groups", filter)];
        await kit.Broker.Store.WriteAsync(
            (w, t) => w.IdentityProviders.CreateSamlProviderAsync(
                new SamlProvider(providerArn, "Corp", TestSamlIdp.MetadataXml(TestSamlIdp.EntityId, _idp.Certificate), kit.Broker.Time.GetUtcNow(), null, tags), t),
            TestContext.Current.CancellationToken);
        var roleName = Unique("samlmap");
        var trust = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"{{providerArn}}"},"Action":["sts:AssumeRoleWithSAML","sts:TagSession"]}]}""";
        var role = await StoreSeed.RoleAsync(kit.Broker, roleName, trust, 3600,
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift:GetClusterCredentialsWithIAM","Resource":"*"}]}""");
        return new Setup(kit, providerArn, role.Arn, roleName);
    }

    private async Task<SigningCredentials> SessionAsync(Setup setup, string[] groups, string? principalTagGroups = null)
    {
        var spec = ResponseSpec.At(DateTimeOffset.UtcNow) with
        {
            Attributes =
            [
                (SamlNames.RoleAttribute, [$"{setup.RoleArn},{setup.ProviderArn}"]),
                (SamlNames.RoleSessionNameAttribute, ["ada@example.com"]),
                ("groups", groups),
                .. principalTagGroups is null ? Array.Empty<(string, string[])>() : [(SamlNames.PrincipalTagAttributePrefix + "RedshiftDbGroups", [principalTagGroups])],
            ],
        };
        var document = TestSamlIdp.Build(spec);
        _idp.Sign(TestSamlIdp.Assertion(document));
        var reply = await SamlAssumeRoleTests.AssumeRoleWithSamlAsync(setup.Kit.Broker, setup.RoleArn, setup.ProviderArn, TestSamlIdp.Encode(document));
        Assert.True(reply.ErrorCode is null, reply.ToString());
        return new SigningCredentials(reply.Find("AccessKeyId")!, reply.Find("SecretAccessKey")!, reply.Find("SessionToken"));
    }

    // The groups among `candidates` that the login of these database credentials is a member of, in order.
    private static async Task<string> MembershipsAsync(RedshiftTestKit kit, string user, string password, params string[] candidates)
    {
        await using var connection = await kit.ConnectAsync(user, password);
        var list = string.Join(",", candidates.Select(c => $"'{c}'"));
        await using var command = new Npgsql.NpgsqlCommand(
            $"SELECT coalesce(string_agg(g, ' ' ORDER BY g), '') FROM unnest(ARRAY[{list}]) AS g WHERE pg_has_role(session_user, g, 'MEMBER')", connection);
        return (string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    [Fact]
    public async Task The_groups_attribute_is_mapped_through_the_providers_filter_into_the_IAMR_logins_groups()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var a = Unique("db_a");
        var b = Unique("db_b");
        var other = Unique("other");
        foreach (var group in new[] { a, b, other })
        {
            await kit.EnsureRoleAsync(group);
        }

        var setup = await StartAsync(kit, "db_*");
        var session = await SessionAsync(setup, [b, other, a, b]);
        var reply = await kit.Broker.CallAsync("redshift", "GetClusterCredentialsWithIAM", [new("ClusterIdentifier", kit.ClusterId)], session);

        Assert.True(reply.ErrorCode is null, reply.ToString());
        var expected = string.Join(' ', new[] { a, b }.Order(StringComparer.Ordinal));
        Assert.Equal(expected, await MembershipsAsync(kit, reply.Find("DbUser")!, reply.Find("DbPassword")!, a, b, other));
        Assert.Equal("true", await kit.ScalarAsync<string>($"SELECT pg_has_role('{reply.Find("DbUser")}', 'IAMR:{setup.RoleName}', 'MEMBER')::text"));
    }

    [Fact]
    public async Task A_PrincipalTag_RedshiftDbGroups_sent_by_the_identity_provider_wins_over_the_mapped_groups()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var mapped = Unique("db_m");
        var explicitGroup = Unique("db_x");
        await kit.EnsureRoleAsync(mapped);
        await kit.EnsureRoleAsync(explicitGroup);

        var setup = await StartAsync(kit, "db_*");
        var session = await SessionAsync(setup, [mapped], principalTagGroups: explicitGroup);
        var reply = await kit.Broker.CallAsync("redshift", "GetClusterCredentialsWithIAM", [new("ClusterIdentifier", kit.ClusterId)], session);

        Assert.True(reply.ErrorCode is null, reply.ToString());
        Assert.Equal(explicitGroup, await MembershipsAsync(kit, reply.Find("DbUser")!, reply.Find("DbPassword")!, mapped, explicitGroup));
    }

    [Fact]
    public async Task A_privileged_group_that_passes_the_filter_is_still_refused_when_credentials_are_issued()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var super = Unique("db_super");
        await kit.ExecAsync($"CREATE ROLE {super} SUPERUSER NOLOGIN");

        var setup = await StartAsync(kit, "db_*");
        var session = await SessionAsync(setup, [super]);
        var refused = await kit.Broker.CallAsync("redshift", "GetClusterCredentialsWithIAM", [new("ClusterIdentifier", kit.ClusterId)], session);

        Assert.Equal("InvalidParameterValue", refused.ErrorCode);
        Assert.Contains("is not a database group: it has SUPERUSER", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(0L, await kit.ScalarAsync<long>(
            $"SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid WHERE r.rolname = '{super}'"));
    }
}
