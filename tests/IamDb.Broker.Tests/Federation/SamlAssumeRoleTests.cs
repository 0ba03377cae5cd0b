using System.Net;
using System.Text;
using System.Xml;
using IamDb.Broker.Hosting;
using IamDb.Broker.State;
using IamDb.Broker.State.Audit;
using IamDb.Broker.State.Iam;
using IamDb.Broker.Tests.Actions.Sts;
using IamDb.Broker.Tests.Support;
using IamDb.Federation.Saml;
using IamDb.Federation.Tests.Saml;
using IamDb.Testing;
using Microsoft.Data.Sqlite;

namespace IamDb.Broker.Tests.Federation;

/// <summary>
/// <c>AssumeRoleWithSAML</c> through the real broker over HTTP, unsigned as in AWS, with responses from a test identity
/// provider that signs them with <see cref="System.Security.Cryptography.Xml.SignedXml"/>.
/// </summary>
public sealed class SamlAssumeRoleTests(PostgresServerFixture postgres) : IDisposable
{
    private const string ProviderName = "TestIdp";
    private const string RoleName = "SamlAnalyst";

    private readonly TestSamlIdp _idp = TestSamlIdp.Rsa();

    public void Dispose() => _idp.Dispose();

    private sealed record Setup(TestBroker Broker, string ProviderArn, string RoleArn);

    private async Task<Setup> StartAsync(
        string? trustCondition = null, int maxSessionDuration = 3600, string[]? actions = null, Action<BrokerOptions>? configure = null)
    {
        var broker = await TestBroker.StartAsync(configure);
        var providerArn = IdentityProviderArns.Saml(broker.AccountId, ProviderName);
        var metadata = TestSamlIdp.MetadataXml(TestSamlIdp.EntityId, _idp.Certificate);
        await broker.Store.WriteAsync((w, ct) => w.IdentityProviders.CreateSamlProviderAsync(
            new SamlProvider(providerArn, ProviderName, metadata, broker.Time.GetUtcNow(), null, []), ct), TestContext.Current.CancellationToken);
        var actionList = string.Join(",", (actions ?? ["sts:AssumeRoleWithSAML", "sts:TagSession"]).Select(a => $"\"{a}\""));
        var condition = trustCondition ?? """{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}""";
        var trust = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"{{providerArn}}"},"Action":[{{actionList}}],"Condition":{{condition}}}]}""";
        var role = await StoreSeed.RoleAsync(broker, RoleName, trust, maxSessionDuration);
        return new Setup(broker, providerArn, role.Arn);
    }

    private string Response(Setup setup, Func<ResponseSpec, ResponseSpec>? change = null, IReadOnlyList<(string, string[])>? extraAttributes = null)
    {
        var spec = ResponseSpec.At(DateTimeOffset.UtcNow) with
        {
            Attributes =
            [
                (SamlNames.RoleAttribute, [$"{setup.ProviderArn},{setup.RoleArn}"]),
                (SamlNames.RoleSessionNameAttribute, ["ada@example.com"]),
                .. extraAttributes ?? [],
            ],
        };
        var document = TestSamlIdp.Build(change is null ? spec : change(spec));
        _idp.Sign(TestSamlIdp.Assertion(document));
        return TestSamlIdp.Encode(document);
    }

    private static Task<QueryReply> AssumeAsync(Setup setup, string assertion, string? roleArn = null, string? principalArn = null, params (string, string)[] extra) =>
        AssumeRoleWithSamlAsync(setup.Broker, roleArn ?? setup.RoleArn, principalArn ?? setup.ProviderArn, assertion, extra);

    /// <summary>An unsigned <c>AssumeRoleWithSAML</c>, as the aws CLI sends it.</summary>
    internal static Task<QueryReply> AssumeRoleWithSamlAsync(
        TestBroker broker, string roleArn, string principalArn, string assertion, params (string Key, string Value)[] extra) =>
        UnsignedStsPathTests.SendUnsignedAsync(broker,
        [
            ("Action", "AssumeRoleWithSAML"), ("Version", "2011-06-15"), ("RoleArn", roleArn), ("PrincipalArn", principalArn), ("SAMLAssertion", assertion),
            .. extra,
        ]);

    private static async Task<int> SessionCountAsync(Setup setup) =>
        (await setup.Broker.AuditAsync()).Count(r => r.EventName == "AssumeRoleWithSAML" && r.IsSuccess);

    [Fact]
    public async Task A_signed_response_becomes_a_role_session_with_AWS_s_response_fields()
    {
        var setup = await StartAsync();
        await using var broker = setup.Broker;

        var reply = await AssumeAsync(setup, Response(setup));
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        var session = StsTests.Credentials(reply);
        var who = await broker.CallAsync("sts", "GetCallerIdentity", credentials: session);

        Assert.Equal($"arn:aws:sts::{broker.AccountId}:assumed-role/{RoleName}/ada@example.com", reply.Find("Arn"));
        Assert.Equal($"arn:aws:sts::{broker.AccountId}:assumed-role/{RoleName}/ada@example.com", who.Find("Arn"));
        Assert.Equal("ada@example.com", reply.Find("Subject"));
        Assert.Equal("persistent", reply.Find("SubjectType"));
        Assert.Equal(TestSamlIdp.EntityId, reply.Find("Issuer"));
        Assert.Equal(SamlExpectations.AwsSignInUrl, reply.Find("Audience"));
        Assert.Equal(SamlConditionKeys.NameQualifier(TestSamlIdp.EntityId, broker.AccountId, ProviderName), reply.Find("NameQualifier"));
        var expiration = DateTimeOffset.Parse(reply.Find("Expiration")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expiration - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(58), TimeSpan.FromMinutes(61));
    }

    [Fact]
    public async Task Session_tags_source_identity_and_duration_come_from_the_assertion()
    {
        var setup = await StartAsync(maxSessionDuration: 7200);
        await using var broker = setup.Broker;

        var reply = await AssumeAsync(setup, Response(setup, extraAttributes:
        [
            (SamlNames.PrincipalTagAttributePrefix + "RedshiftDbGroups", ["analysts:readers"]),
            (SamlNames.TransitiveTagKeysAttribute, ["RedshiftDbGroups"]),
            (SamlNames.SourceIdentityAttribute, ["ada"]),
            (SamlNames.SessionDurationAttribute, ["43200"]),
        ]));
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        var keyId = reply.Find("AccessKeyId")!;
        var stored = await broker.Store.ReadAsync((r, ct) => r.Sessions.GetAsync(keyId, ct), TestContext.Current.CancellationToken);

        Assert.Equal("ada", reply.Find("SourceIdentity"));
        Assert.NotNull(reply.Find("PackedPolicySize"));
        Assert.Equal([new Tag("RedshiftDbGroups", "analysts:readers")], stored!.SessionTags);
        Assert.Equal(["RedshiftDbGroups"], stored.TransitiveTagKeys);
        // SessionDuration 43200 is capped by the role's maximum of two hours.
        Assert.InRange(stored.ExpiresAt - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(118), TimeSpan.FromMinutes(121));
    }

    [Fact]
    public async Task An_assertion_is_accepted_once_and_its_replay_is_InvalidIdentityToken()
    {
        var setup = await StartAsync();
        await using var broker = setup.Broker;
        var assertion = Response(setup);

        var first = await AssumeAsync(setup, assertion);
        var replay = await AssumeAsync(setup, assertion);

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal("InvalidIdentityToken", replay.ErrorCode);
        Assert.Contains("already been used", replay.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(1, await SessionCountAsync(setup));
    }

    /// <summary>
    /// One assertion sent eight times at once: exactly one call gets a session, the others are told it was used, and the
    /// store holds one session. On PostgreSQL the calls alternate between two broker nodes sharing the store.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Concurrent_uses_of_one_assertion_create_exactly_one_session(bool onPostgres)
    {
        var database = onPostgres ? await postgres.CreateDatabaseAsync("samlrace") : null;
        void Store(BrokerOptions o)
        {
            o.ReaperEnabled = false;
            if (database is not null)
            {
                o.Store = StoreKind.Postgres;
                o.PostgresConnectionString = postgres.Server.ConnectionString(database);
            }
        }

        var setup = await StartAsync(configure: Store);
        await using var broker = setup.Broker;
        await using var second = onPostgres ? await TestBroker.StartAsync(Store) : null;
        Setup[] nodes = second is null ? [setup] : [setup, setup with { Broker = second }];
        var assertion = Response(setup);

        var replies = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => AssumeAsync(nodes[i % nodes.Length], assertion))));

        Assert.Single(replies, r => r.Status == HttpStatusCode.OK);
        Assert.All(replies.Where(r => r.Status != HttpStatusCode.OK), r =>
        {
            Assert.Equal("InvalidIdentityToken", r.ErrorCode);
            Assert.Contains("already been used", r.ErrorMessage, StringComparison.Ordinal);
        });
        Assert.Equal(1L, await StoredSessionCountAsync(setup, database));
    }

    /// <summary>
    /// Recording the assertion in the session's serializable transaction must not make concurrent sign-ins with different
    /// assertions fail on PostgreSQL (serialization conflicts beyond the store's retries): 24 at once over two nodes.
    /// </summary>
    [Fact]
    public async Task Concurrent_sign_ins_with_different_assertions_all_get_sessions_on_PostgreSQL()
    {
        var database = await postgres.CreateDatabaseAsync("samlmany");
        void Store(BrokerOptions o)
        {
            o.ReaperEnabled = false;
            o.Store = StoreKind.Postgres;
            o.PostgresConnectionString = postgres.Server.ConnectionString(database);
        }

        var setup = await StartAsync(configure: Store);
        await using var broker = setup.Broker;
        await using var second = await TestBroker.StartAsync(Store);
        Setup[] nodes = [setup, setup with { Broker = second }];
        var assertions = Enumerable.Range(0, 24).Select(_ => Response(setup)).ToList();

        var replies = await Task.WhenAll(assertions.Select((a, i) => Task.Run(() => AssumeAsync(nodes[i % 2], a))));

        Assert.All(replies, r => Assert.True(r.Status == HttpStatusCode.OK, r.ErrorCode + " " + r.ErrorMessage));
        Assert.Equal(24L, await StoredSessionCountAsync(setup, database));
    }

    /// <summary>
    /// The assertion is recorded in the transaction that creates the session: a first call that fails at the session step
    /// (a session policy ARN that does not exist) leaves it usable, so the person need not sign in again.
    /// </summary>
    [Fact]
    public async Task An_assertion_whose_session_could_not_be_created_can_be_used_again()
    {
        var setup = await StartAsync();
        await using var broker = setup.Broker;
        var assertion = Response(setup);
        var missingPolicy = $"arn:aws:iam::{broker.AccountId}:policy/DoesNotExist";

        var failed = await AssumeAsync(setup, assertion, extra: ("PolicyArns.member.1.arn", missingPolicy));
        var retried = await AssumeAsync(setup, assertion);
        var replay = await AssumeAsync(setup, assertion);

        Assert.Equal("MalformedPolicyDocument", failed.ErrorCode);
        Assert.Contains(missingPolicy, failed.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, retried.Status);
        Assert.Equal("InvalidIdentityToken", replay.ErrorCode);
        Assert.Equal(1L, await StoredSessionCountAsync(setup, database: null));
    }

    [Fact]
    public async Task DurationSeconds_over_the_role_s_maximum_is_ValidationError_and_leaves_the_assertion_usable()
    {
        var setup = await StartAsync(maxSessionDuration: 3600);
        await using var broker = setup.Broker;
        var assertion = Response(setup);

        var tooLong = await AssumeAsync(setup, assertion, extra: ("DurationSeconds", "7200"));
        var retried = await AssumeAsync(setup, assertion);

        Assert.Equal("ValidationError", tooLong.ErrorCode);
        Assert.Equal("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", tooLong.ErrorMessage);
        Assert.Equal(HttpStatusCode.OK, retried.Status);
    }

    [Fact]
    public async Task A_role_the_assertion_does_not_offer_is_AccessDenied()
    {
        var setup = await StartAsync();
        await using var broker = setup.Broker;
        var other = await StoreSeed.RoleAsync(broker, "Other", (await broker.Store.ReadAsync((r, ct) => r.Roles.GetAsync(broker.AccountId, RoleName, ct), TestContext.Current.CancellationToken))!.AssumeRolePolicyDocument);

        var reply = await AssumeAsync(setup, Response(setup), roleArn: other.Arn);

        Assert.Equal(HttpStatusCode.Forbidden, reply.Status);
        Assert.Equal("AccessDenied", reply.ErrorCode);
        Assert.Contains("does not offer", reply.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_role_whose_trust_policy_does_not_name_the_provider_is_AccessDenied()
    {
        var setup = await StartAsync();
        await using var broker = setup.Broker;
        var otherProvider = IdentityProviderArns.Saml(broker.AccountId, "Elsewhere");
        var untrusting = await StoreSeed.RoleAsync(broker, "Untrusting",
            $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"{{otherProvider}}"},"Action":"sts:AssumeRoleWithSAML"}]}""");
        var assertion = Response(setup, extraAttributes: [(SamlNames.RoleAttribute, [$"{untrusting.Arn},{setup.ProviderArn}"])]);

        var reply = await AssumeAsync(setup, assertion, roleArn: untrusting.Arn);

        Assert.Equal("AccessDenied", reply.ErrorCode);
        Assert.Equal(0, await SessionCountAsync(setup));
    }

    [Theory]
    [InlineData("""{"StringEquals":{"SAML:sub":"someone-else@example.com"}}""", "AccessDenied")]
    [InlineData("""{"StringEquals":{"SAML:sub":"ada@example.com","SAML:sub_type":"persistent","SAML:iss":"https://idp.test.example/saml"}}""", null)]
    public async Task Trust_policy_conditions_see_the_SAML_keys(string condition, string? error)
    {
        var setup = await StartAsync(condition);
        await using var broker = setup.Broker;

        var reply = await AssumeAsync(setup, Response(setup));

        Assert.Equal(error, reply.ErrorCode);
    }

    [Fact]
    public async Task Session_tags_need_sts_TagSession_in_the_trust_policy()
    {
        var setup = await StartAsync(actions: ["sts:AssumeRoleWithSAML"]);
        await using var broker = setup.Broker;

        var untagged = await AssumeAsync(setup, Response(setup));
        var tagged = await AssumeAsync(setup, Response(setup, extraAttributes: [(SamlNames.PrincipalTagAttributePrefix + "Team", ["data"])]));

        Assert.Equal(HttpStatusCode.OK, untagged.Status);
        Assert.Equal("AccessDenied", tagged.ErrorCode);
        Assert.Contains("sts:TagSession", tagged.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hostile_and_stale_responses_get_AWS_s_error_codes_and_create_no_session()
    {
        var setup = await StartAsync();
        await using var broker = setup.Broker;
        var now = DateTimeOffset.UtcNow;

        var expired = await AssumeAsync(setup, Response(setup, s => s with { NotOnOrAfter = now.AddMinutes(-5), ConfirmationNotOnOrAfter = now.AddMinutes(-5) }));
        var wrongAudience = await AssumeAsync(setup, Response(setup, s => s with { Audience = "https://other-sp.example/saml" }));
        var unknownProvider = await AssumeAsync(setup, Response(setup), principalArn: IdentityProviderArns.Saml(broker.AccountId, "Nobody"));
        var tampered = await AssumeAsync(setup, Tampered(Response(setup)));
        var dtd = await AssumeAsync(setup, Convert.ToBase64String(Encoding.UTF8.GetBytes(
            "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/hostname\">]>" + Encoding.UTF8.GetString(Convert.FromBase64String(Response(setup))))));

        Assert.Equal(("ExpiredTokenException", HttpStatusCode.BadRequest), (expired.ErrorCode, expired.Status));
        Assert.Equal(("IDPRejectedClaim", HttpStatusCode.Forbidden), (wrongAudience.ErrorCode, wrongAudience.Status));
        Assert.Equal("InvalidIdentityToken", unknownProvider.ErrorCode);
        Assert.Equal("InvalidIdentityToken", tampered.ErrorCode);
        Assert.Equal("InvalidIdentityToken", dtd.ErrorCode);
        Assert.Contains("DTD", dtd.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(0, await SessionCountAsync(setup));
    }

    [Fact]
    public async Task The_audit_names_provider_subject_and_tags_and_a_refusal_says_which_check_failed_without_the_assertion()
    {
        var setup = await StartAsync();
        await using var broker = setup.Broker;
        var good = Response(setup, extraAttributes: [(SamlNames.PrincipalTagAttributePrefix + "Team", ["data"])]);
        var bad = Response(setup, s => s with { Audience = "https://other-sp.example/saml" });

        var ok = await AssumeAsync(setup, good);
        var refused = await AssumeAsync(setup, bad);
        var records = await broker.AuditAsync();
        var success = AuditJson.Write(records.Single(r => r.RequestId == ok.RequestId));
        var failure = AuditJson.Write(records.Single(r => r.RequestId == refused.RequestId));

        Assert.Contains(setup.ProviderArn, success, StringComparison.Ordinal);
        Assert.Contains("ada@example.com", success, StringComparison.Ordinal);
        Assert.Contains("Team=data", success, StringComparison.Ordinal);
        Assert.Contains("audience is not one this broker accepts", failure, StringComparison.Ordinal);
        Assert.DoesNotContain(good[..64], success, StringComparison.Ordinal);
        Assert.DoesNotContain(bad[..64], failure, StringComparison.Ordinal);
        Assert.DoesNotContain(ok.Find("SecretAccessKey")!, success, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_aws_CLI_assume_role_with_saml_works_unchanged_and_its_credentials_sign_the_next_call()
    {
        var setup = await StartAsync();
        await using var broker = setup.Broker;
        var ct = TestContext.Current.CancellationToken;

        // No credentials are configured for the CLI's first call: it must send the assertion unsigned, as to AWS.
        var anonymous = new IamDb.Testing.AwsCli(broker.Endpoint, "", "");
        var assumed = (await anonymous.RunAsync(
            ["sts", "assume-role-with-saml", "--role-arn", setup.RoleArn, "--principal-arn", setup.ProviderArn, "--saml-assertion", Response(setup)], ct)).Json();
        var credentials = assumed.GetProperty("Credentials");
        var session = new IamDb.Testing.AwsCli(
            broker.Endpoint, credentials.GetProperty("AccessKeyId").GetString()!, credentials.GetProperty("SecretAccessKey").GetString()!,
            credentials.GetProperty("SessionToken").GetString());
        var who = (await session.RunAsync("sts get-caller-identity", ct)).Json();

        Assert.Equal("ada@example.com", assumed.GetProperty("Subject").GetString());
        Assert.Equal("persistent", assumed.GetProperty("SubjectType").GetString());
        Assert.Equal(SamlExpectations.AwsSignInUrl, assumed.GetProperty("Audience").GetString());
        Assert.Equal($"arn:aws:sts::{broker.AccountId}:assumed-role/{RoleName}/ada@example.com", who.GetProperty("Arn").GetString());
    }

    /// <summary>The sessions of the test's role in the store itself (SQLite file or PostgreSQL database), not what the audit says.</summary>
    private async Task<long> StoredSessionCountAsync(Setup setup, string? database)
    {
        const string Sql = "SELECT COUNT(*) FROM sts_sessions WHERE principal_arn LIKE @prefix";
        var prefix = $"arn:aws:sts::{setup.Broker.AccountId}:assumed-role/{RoleName}/%";
        if (database is not null)
        {
            await using var source = postgres.CreateDataSource(database);
            await using var command = source.CreateCommand(Sql);
            command.Parameters.Add(new Npgsql.NpgsqlParameter("prefix", prefix));
            return Convert.ToInt64(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }

        var file = Path.Combine(setup.Broker.Options.DataDirectory, DataDirectory.StateFileName);
        await using var connection = new SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var query = connection.CreateCommand();
        query.CommandText = Sql;
        query.Parameters.AddWithValue("@prefix", prefix);
        return (long)(await query.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    private static string Tampered(string encoded)
    {
        var document = new XmlDocument { PreserveWhitespace = true };
        document.LoadXml(Encoding.UTF8.GetString(Convert.FromBase64String(encoded)));
        TestSamlIdp.NameId(document).InnerText = "root@example.com";
        return TestSamlIdp.Encode(document);
    }
}
