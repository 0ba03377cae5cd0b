using System.Net;
using IamDb.Aws.Signing;
using IamDb.Broker.State.Iam;
using IamDb.Broker.Tests.Actions.Redshift;
using IamDb.Broker.Tests.Support;
using IamDb.Federation.Saml;
using IamDb.Federation.Tests.Saml;
using IamDb.Testing;

namespace IamDb.Broker.Tests.Federation;

/// <summary>
/// The account's guardrails (SCP semantics) bind a web-identity and a SAML session exactly as an AssumeRole session:
/// a guardrail <c>Deny</c> refuses each one's <c>GetClusterCredentials</c> with the service-control-policy wording, and the
/// refusal is audited with the statement that decided. As in AWS, where SCPs restrict the role session and not the
/// unsigned exchange, a guardrail denying <c>sts:AssumeRoleWithWebIdentity</c>/<c>sts:AssumeRoleWithSAML</c> does not stop
/// the exchange itself (only the role's trust policy decides it).
/// </summary>
public sealed class FederatedSessionGuardrailTests(PostgresServerFixture postgres) : IDisposable
{
    private const string Blocked = "guardrail_blocked";

    private const string Guardrail = """
        {"Version":"2012-10-17","Statement":[
          {"Sid":"NoBlockedUser","Effect":"Deny","Action":"redshift:GetClusterCredentials","Resource":"*",
           "Condition":{"StringEquals":{"redshift:DbUser":"guardrail_blocked"}}},
          {"Sid":"NotOnTheUnsignedExchange","Effect":"Deny","Action":["sts:AssumeRoleWithWebIdentity","sts:AssumeRoleWithSAML"],"Resource":"*"}]}
        """;

    private const string CredentialsPolicy = """
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["redshift:GetClusterCredentials","redshift:CreateClusterUser"],"Resource":"*"}]}
        """;

    private readonly TestSamlIdp _idp = TestSamlIdp.Rsa();

    public void Dispose() => _idp.Dispose();

    [Fact]
    public async Task GuardrailDeny_RefusesFederatedSessionsGetClusterCredentials_AsAnAssumeRoleSessions_AndIsAudited()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres, configure: o => o.FailedAuthenticationBurst = 1000);
        var broker = kit.Broker;
        await StoreSeed.PutGuardrailAsync(broker, "everything", StoreSeed.AllowAll);
        await StoreSeed.PutGuardrailAsync(broker, "no-blocked-user", Guardrail);

        var sessions = new[]
        {
            ("AssumeRole", await AssumeRoleSessionAsync(broker)),
            ("AssumeRoleWithWebIdentity", await WebIdentitySessionAsync(broker)),
            ("AssumeRoleWithSAML", await SamlSessionAsync(broker)),
        };

        foreach (var (how, session) in sessions)
        {
            var allowedUser = "guardrail_ok_" + Guid.NewGuid().ToString("N")[..8];
            var allowed = await kit.GetCredentialsAsync(allowedUser, session, autoCreate: true);
            var refused = await kit.GetCredentialsAsync(Blocked, session, autoCreate: true);

            Assert.True(allowed.Status == HttpStatusCode.OK, $"{how}: {allowed}");
            Assert.Equal("AccessDenied", refused.ErrorCode);
            Assert.Contains("redshift:GetClusterCredentials", refused.ErrorMessage, StringComparison.Ordinal);
            Assert.Contains("with an explicit deny in a service control policy", refused.ErrorMessage, StringComparison.Ordinal);

            var record = (await broker.AuditAsync()).Single(r => r.RequestId == refused.RequestId);
            Assert.Equal("GetClusterCredentials", record.EventName);
            Assert.Equal("AccessDenied", record.ErrorCode);
            Assert.StartsWith($"arn:aws:sts::{broker.AccountId}:assumed-role/", record.UserIdentity.Arn, StringComparison.Ordinal);
            Assert.Contains(record.DecisionTrace!.Value.EnumerateArray(), e => e.GetString()!.Contains("NoBlockedUser", StringComparison.Ordinal));
        }

        Assert.False(await kit.RoleExistsAsync(Blocked));
    }

    private static async Task<SigningCredentials> AssumeRoleSessionAsync(TestBroker broker)
    {
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "caller",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}""");
        var role = await StoreSeed.RoleAsync(broker, "assumed", StoreSeed.TrustPolicyFor(user.Arn), 3600, CredentialsPolicy);
        var reply = await broker.CallAsync("sts", "AssumeRole", [new("RoleArn", role.Arn), new("RoleSessionName", "classic")], key);
        return Session(reply);
    }

    private static async Task<SigningCredentials> WebIdentitySessionAsync(TestBroker broker)
    {
        await using var issuer = await KubernetesStyleIssuer.StartAsync();
        var provider = await WebIdentityFederationTests.RegisterAsync(broker, issuer);
        var role = await StoreSeed.RoleAsync(
            broker, "workload", WebIdentityFederationTests.TrustPolicy(provider, issuer, "system:serviceaccount:ci:builder"), 3600, CredentialsPolicy);
        return Session(await WebIdentityFederationTests.AssumeAsync(broker, role.Arn, "workload", issuer.Sign(issuer.Claims())));
    }

    private async Task<SigningCredentials> SamlSessionAsync(TestBroker broker)
    {
        var providerArn = IdentityProviderArns.Saml(broker.AccountId, "Corp");
        await broker.Store.WriteAsync(
            (w, t) => w.IdentityProviders.CreateSamlProviderAsync(
                new SamlProvider(providerArn, "Corp", TestSamlIdp.MetadataXml(TestSamlIdp.EntityId, _idp.Certificate), broker.Time.GetUtcNow(), null, []), t),
            TestContext.Current.CancellationToken);
        var trust = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"{{providerArn}}"},"Action":"sts:AssumeRoleWithSAML"}]}""";
        var role = await StoreSeed.RoleAsync(broker, "person", trust, 3600, CredentialsPolicy);
        var document = TestSamlIdp.Build(ResponseSpec.At(DateTimeOffset.UtcNow) with
        {
            Attributes =
            [
                (SamlNames.RoleAttribute, [$"{role.Arn},{providerArn}"]),
                (SamlNames.RoleSessionNameAttribute, ["ada@example.com"]),
            ],
        });
        _idp.Sign(TestSamlIdp.Assertion(document));
        return Session(await SamlAssumeRoleTests.AssumeRoleWithSamlAsync(broker, role.Arn, providerArn, TestSamlIdp.Encode(document)));
    }

    private static SigningCredentials Session(QueryReply reply)
    {
        Assert.True(reply.ErrorCode is null, reply.ToString());
        return new SigningCredentials(reply.Find("AccessKeyId")!, reply.Find("SecretAccessKey")!, reply.Find("SessionToken"));
    }
}
