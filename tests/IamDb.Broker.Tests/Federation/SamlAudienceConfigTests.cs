using IamDb.Broker.Hosting;
using IamDb.Broker.State.Iam;
using IamDb.Broker.Tests.Support;
using IamDb.Federation.Saml;
using IamDb.Federation.Tests.Saml;

namespace IamDb.Broker.Tests.Federation;

/// <summary>
/// <c>[federation] saml_audience</c>: read from the config file into a real broker, it is accepted as audience and
/// recipient besides AWS's <c>https://signin.aws.amazon.com/saml</c> (which stays accepted, so apps made for AWS keep
/// working); any other audience is still refused, and without the key the configured one is refused too.
/// </summary>
public sealed class SamlAudienceConfigTests : IDisposable
{
    private const string Configured = "https://broker.example/saml";

    private readonly TestSamlIdp _idp = TestSamlIdp.Rsa();

    public void Dispose() => _idp.Dispose();

    private sealed record Setup(TestBroker Broker, string ProviderArn, string RoleArn) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Broker.DisposeAsync();
    }

    private async Task<Setup> StartAsync(string configToml)
    {
        var fromFile = BrokerConfigFile.Parse(configToml, Path.GetTempPath(), _ => null);
        var broker = await TestBroker.StartAsync(o => o.SamlAudience = fromFile.SamlAudience);
        var providerArn = IdentityProviderArns.Saml(broker.AccountId, "Corp");
        await broker.Store.WriteAsync((w, t) => w.IdentityProviders.CreateSamlProviderAsync(
            new SamlProvider(providerArn, "Corp", TestSamlIdp.MetadataXml(TestSamlIdp.EntityId, _idp.Certificate), broker.Time.GetUtcNow(), null, []), t),
            TestContext.Current.CancellationToken);
        var trust = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"{{providerArn}}"},"Action":"sts:AssumeRoleWithSAML"}]}""";
        var role = await StoreSeed.RoleAsync(broker, "SamlAudience", trust, 3600);
        return new Setup(broker, providerArn, role.Arn);
    }

    private async Task<QueryReply> AssumeAsync(Setup setup, string audience)
    {
        var spec = ResponseSpec.At(DateTimeOffset.UtcNow) with
        {
            Audience = audience,
            Recipient = audience,
            Destination = audience,
            Attributes =
            [
                (SamlNames.RoleAttribute, [$"{setup.RoleArn},{setup.ProviderArn}"]),
                (SamlNames.RoleSessionNameAttribute, ["ada@example.com"]),
            ],
        };
        var document = TestSamlIdp.Build(spec);
        _idp.Sign(TestSamlIdp.Response(document));
        return await SamlAssumeRoleTests.AssumeRoleWithSamlAsync(setup.Broker, setup.RoleArn, setup.ProviderArn, TestSamlIdp.Encode(document));
    }

    [Fact]
    public async Task A_configured_audience_is_accepted_besides_AWS_s_and_any_other_is_refused()
    {
        await using var setup = await StartAsync($"[federation]\nsaml_audience = \"{Configured}\"\n");

        var configured = await AssumeAsync(setup, Configured);
        Assert.True(configured.ErrorCode is null, configured.ToString());
        Assert.Equal(Configured, configured.Find("Audience"));

        var aws = await AssumeAsync(setup, SamlExpectations.AwsSignInUrl);
        Assert.True(aws.ErrorCode is null, aws.ToString());

        var other = await AssumeAsync(setup, "https://other.example/saml");
        Assert.Equal("IDPRejectedClaim", other.ErrorCode);
    }

    [Fact]
    public async Task Without_the_key_only_AWS_s_audience_is_accepted()
    {
        await using var setup = await StartAsync("region = \"us-east-1\"\n");

        var configured = await AssumeAsync(setup, Configured);
        Assert.Equal("IDPRejectedClaim", configured.ErrorCode);
        Assert.True((await AssumeAsync(setup, SamlExpectations.AwsSignInUrl)).ErrorCode is null);
    }

    [Theory]
    [InlineData("[federation]\nsaml_audience = \"not a uri\"\n", "federation.saml_audience `not a uri`: must be an absolute URI")]
    [InlineData("[federation]\nsaml_audiences = \"https://x.example\"\n", "federation.saml_audiences")]
    public void A_bad_federation_table_is_a_configuration_error_that_says_what_to_write(string toml, string expected)
    {
        // As `iamdb server --config` does: the file's own problems first, then the validation of what it set.
        var error = Assert.Throws<BrokerOptionsException>(() => BrokerConfigFile.Parse(toml, Path.GetTempPath(), _ => null).Validate());
        Assert.Contains(error.Errors, e => e.Contains(expected, StringComparison.Ordinal));
    }
}
