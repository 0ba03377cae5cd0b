using IamDb.Broker.State.Iam;
using IamDb.Broker.Tests.Actions.Redshift;
using IamDb.Broker.Tests.Support;
using IamDb.Federation.Saml;
using IamDb.Federation.Tests.Saml;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Broker.Tests.Federation;

/// <summary>
/// The whole SAML story with real clients: the aws CLI exchanges a signed response for a role session, asks the broker
/// for database credentials with <c>get-cluster-credentials-with-iam</c>, and the login on the real PostgreSQL server
/// holds the groups the identity provider sent as <c>PrincipalTag:RedshiftDbGroups</c>.
/// </summary>
public sealed class SamlRedshiftTests(PostgresServerFixture postgres) : IDisposable
{
    private readonly TestSamlIdp _idp = TestSamlIdp.Rsa();

    public void Dispose() => _idp.Dispose();

    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 12)];

    [Fact]
    public async Task A_SAML_session_gets_database_credentials_with_the_groups_its_identity_provider_sent()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var broker = kit.Broker;
        var roleName = Unique("saml");
        var readers = Unique("readers");
        var analysts = Unique("analysts");
        await kit.EnsureRoleAsync(readers);
        await kit.EnsureRoleAsync(analysts);

        var providerArn = IdentityProviderArns.Saml(broker.AccountId, "Corp");
        await broker.Store.WriteAsync(
            (w, t) => w.IdentityProviders.CreateSamlProviderAsync(
                new SamlProvider(providerArn, "Corp", TestSamlIdp.MetadataXml(TestSamlIdp.EntityId, _idp.Certificate), broker.Time.GetUtcNow(), null, []), t),
            ct);
        var trust = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"{{providerArn}}"},"Action":["sts:AssumeRoleWithSAML","sts:TagSession"]}]}""";
        var role = await StoreSeed.RoleAsync(broker, roleName, trust, 3600,
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift:GetClusterCredentialsWithIAM","Resource":"*"}]}""");

        var spec = ResponseSpec.At(DateTimeOffset.UtcNow) with
        {
            Attributes =
            [
                (SamlNames.RoleAttribute, [$"{role.Arn},{providerArn}"]),
                (SamlNames.RoleSessionNameAttribute, ["ada@example.com"]),
                (SamlNames.PrincipalTagAttributePrefix + "RedshiftDbGroups", [$"{readers}:{analysts}"]),
            ],
        };
        var document = TestSamlIdp.Build(spec);
        _idp.Sign(TestSamlIdp.Response(document));

        var assumed = (await new AwsCli(broker.Endpoint, "", "").RunAsync(
            ["sts", "assume-role-with-saml", "--role-arn", role.Arn, "--principal-arn", providerArn, "--saml-assertion", TestSamlIdp.Encode(document)], ct)).Json();
        var credentials = assumed.GetProperty("Credentials");
        var session = new AwsCli(broker.Endpoint, credentials.GetProperty("AccessKeyId").GetString()!,
            credentials.GetProperty("SecretAccessKey").GetString()!, credentials.GetProperty("SessionToken").GetString());
        var database = (await session.RunAsync(["redshift", "get-cluster-credentials-with-iam", "--cluster-identifier", kit.ClusterId], ct)).Json();

        await using var connection = await kit.ConnectAsync(database.GetProperty("DbUser").GetString()!, database.GetProperty("DbPassword").GetString()!);
        await using var command = new NpgsqlCommand(
            $"SELECT pg_has_role(session_user, 'IAMR:{roleName}', 'MEMBER') || ' ' || pg_has_role(session_user, '{readers}', 'MEMBER') || ' ' || pg_has_role(session_user, '{analysts}', 'MEMBER')",
            connection);
        Assert.Equal("true true true", await command.ExecuteScalarAsync(ct));
    }
}
