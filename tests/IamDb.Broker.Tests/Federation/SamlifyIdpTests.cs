using IamDb.Broker.Tests.Actions.Redshift;
using IamDb.Broker.Tests.Support;
using IamDb.Federation.Saml;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Broker.Tests.Federation;

/// <summary>
/// An identity provider that is not ours: npm's <c>samlify</c> signs the response. The provider is registered with
/// <c>aws iam create-saml-provider</c> from samlify's metadata, aws CLI v2 exchanges the response with
/// <c>sts assume-role-with-saml</c>, the session asks for <c>get-cluster-credentials-with-iam</c>, and the login on the
/// real PostgreSQL server holds the groups samlify sent as <c>PrincipalTag:RedshiftDbGroups</c>.
/// </summary>
public sealed class SamlifyIdpTests(PostgresServerFixture postgres, SamlifyIdentityProvider idp) : IClassFixture<SamlifyIdentityProvider>
{
    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 12)];

    [Fact]
    public async Task A_samlify_response_through_the_aws_CLI_becomes_a_database_login_with_its_groups_and_is_accepted_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var broker = kit.Broker;
        var readers = Unique("readers");
        var analysts = Unique("analysts");
        await kit.EnsureRoleAsync(readers);
        await kit.EnsureRoleAsync(analysts);

        var root = new AwsCli(broker.Endpoint, broker.Root.AccessKeyId, broker.Root.SecretAccessKey);
        var providerArn = (await root.RunAsync(["iam", "create-saml-provider", "--name", "Samlify", "--saml-metadata-document", idp.Metadata], ct))
            .Json().GetProperty("SAMLProviderArn").GetString()!;
        var roleName = Unique("samlify");
        var trust = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"PROVIDER"},"Action":["sts:AssumeRoleWithSAML","sts:TagSession"],"Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml","SAML:iss":"ISSUER"}}}]}"""
            .Replace("PROVIDER", providerArn, StringComparison.Ordinal).Replace("ISSUER", SamlifyIdentityProvider.EntityId, StringComparison.Ordinal);
        var role = await StoreSeed.RoleAsync(broker, roleName, trust, 3600,
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift:GetClusterCredentialsWithIAM","Resource":"*"}]}""");

        var response = await idp.ResponseAsync(new Dictionary<string, string[]>
        {
            [SamlNames.RoleAttribute] = [$"{role.Arn},{providerArn}"],
            [SamlNames.RoleSessionNameAttribute] = ["ada@example.com"],
            [SamlNames.PrincipalTagAttributePrefix + "RedshiftDbGroups"] = [$"{readers}:{analysts}"],
        });
        var anonymous = new AwsCli(broker.Endpoint, "", "");
        string[] assume = ["sts", "assume-role-with-saml", "--role-arn", role.Arn, "--principal-arn", providerArn, "--saml-assertion", response];
        var assumed = (await anonymous.RunAsync(assume, ct)).Json();
        Assert.Equal("ada@example.com", assumed.GetProperty("Subject").GetString());
        Assert.Equal(SamlifyIdentityProvider.EntityId, assumed.GetProperty("Issuer").GetString());
        Assert.EndsWith($":assumed-role/{roleName}/ada@example.com", assumed.GetProperty("AssumedRoleUser").GetProperty("Arn").GetString(), StringComparison.Ordinal);

        var credentials = assumed.GetProperty("Credentials");
        var session = new AwsCli(broker.Endpoint, credentials.GetProperty("AccessKeyId").GetString()!,
            credentials.GetProperty("SecretAccessKey").GetString()!, credentials.GetProperty("SessionToken").GetString());
        var database = (await session.RunAsync(["redshift", "get-cluster-credentials-with-iam", "--cluster-identifier", kit.ClusterId], ct)).Json();

        await using (var connection = await kit.ConnectAsync(database.GetProperty("DbUser").GetString()!, database.GetProperty("DbPassword").GetString()!))
        {
            await using var command = new NpgsqlCommand(
                $"SELECT pg_has_role(session_user, 'IAMR:{roleName}', 'MEMBER') || ' ' || pg_has_role(session_user, '{readers}', 'MEMBER') || ' ' || pg_has_role(session_user, '{analysts}', 'MEMBER')",
                connection);
            Assert.Equal("true true true", await command.ExecuteScalarAsync(ct));
        }

        // The same response a second time: accepted once only.
        var replay = await anonymous.RunAsync(assume, ct);
        Assert.NotEqual(0, replay.ExitCode);
        Assert.Contains("InvalidIdentityToken", replay.Stderr, StringComparison.Ordinal);
    }
    [Fact]
    public async Task A_samlify_response_for_another_service_provider_is_refused_and_creates_no_session()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync();
        var root = new AwsCli(broker.Endpoint, broker.Root.AccessKeyId, broker.Root.SecretAccessKey);
        var providerArn = (await root.RunAsync(["iam", "create-saml-provider", "--name", "Samlify", "--saml-metadata-document", idp.Metadata], ct))
            .Json().GetProperty("SAMLProviderArn").GetString()!;
        var trust = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"PROVIDER"},"Action":"sts:AssumeRoleWithSAML"}]}"""
            .Replace("PROVIDER", providerArn, StringComparison.Ordinal);
        var role = await StoreSeed.RoleAsync(broker, "SamlifyOther", trust, 3600);

        var response = await idp.ResponseAsync(
            new Dictionary<string, string[]>
            {
                [SamlNames.RoleAttribute] = [$"{role.Arn},{providerArn}"],
                [SamlNames.RoleSessionNameAttribute] = ["ada@example.com"],
            },
            audience: "https://other-service.example/saml");
        var refused = await new AwsCli(broker.Endpoint, "", "").RunAsync(
            ["sts", "assume-role-with-saml", "--role-arn", role.Arn, "--principal-arn", providerArn, "--saml-assertion", response], ct);

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("IDPRejectedClaim", refused.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(await broker.AuditAsync(), r => r.EventName == "AssumeRoleWithSAML" && r.IsSuccess);
    }
}
