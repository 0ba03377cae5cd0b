using System.Net;
using System.Text;
using IamDb.Broker.State.Iam;
using IamDb.Broker.Tests.Support;
using IamDb.Federation.Saml;
using IamDb.Federation.Tests.Saml;

namespace IamDb.Broker.Tests.Federation;

/// <summary>
/// The SAML handler keeps parsed metadata and imported certificate keys between calls; an <c>UpdateSAMLProvider</c>
/// that rotates the signing certificate must take effect on the very next <c>AssumeRoleWithSAML</c>, and a
/// <c>DeleteSAMLProvider</c> likewise.
/// </summary>
public sealed class SamlProviderRotationTests : IDisposable
{
    private const string ProviderName = "RotatingIdp";

    private readonly TestSamlIdp _old = TestSamlIdp.Rsa();
    private readonly TestSamlIdp _new = TestSamlIdp.Rsa();

    public void Dispose()
    {
        _old.Dispose();
        _new.Dispose();
    }

    [Fact]
    public async Task A_rotated_out_certificate_is_refused_right_after_UpdateSAMLProvider_and_the_new_one_accepted()
    {
        await using var broker = await TestBroker.StartAsync();
        var (providerArn, roleArn) = await SeedAsync(broker);

        // Warm every cache with the old certificate first.
        Assert.Equal(HttpStatusCode.OK, (await AssumeAsync(broker, Response(_old, providerArn, roleArn), providerArn, roleArn)).Status);
        Assert.Equal(HttpStatusCode.OK, (await AssumeAsync(broker, Response(_old, providerArn, roleArn), providerArn, roleArn)).Status);

        var updated = await broker.CallAsync("iam", "UpdateSAMLProvider",
        [
            new("SAMLProviderArn", providerArn),
            new("SAMLMetadataDocument", TestSamlIdp.MetadataXml(TestSamlIdp.EntityId, _new.Certificate)),
        ]);
        Assert.Null(updated.ErrorCode);

        var oldKey = await AssumeAsync(broker, Response(_old, providerArn, roleArn), providerArn, roleArn);
        var newKey = await AssumeAsync(broker, Response(_new, providerArn, roleArn), providerArn, roleArn);

        Assert.Equal(("InvalidIdentityToken", HttpStatusCode.BadRequest), (oldKey.ErrorCode, oldKey.Status));
        Assert.Contains("does not verify with any signing certificate", oldKey.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, newKey.Status);
    }

    [Fact]
    public async Task A_deleted_provider_is_refused_right_after_DeleteSAMLProvider()
    {
        await using var broker = await TestBroker.StartAsync();
        var (providerArn, roleArn) = await SeedAsync(broker);
        Assert.Equal(HttpStatusCode.OK, (await AssumeAsync(broker, Response(_old, providerArn, roleArn), providerArn, roleArn)).Status);

        Assert.Null((await broker.CallAsync("iam", "DeleteSAMLProvider", [new("SAMLProviderArn", providerArn)])).ErrorCode);
        var after = await AssumeAsync(broker, Response(_old, providerArn, roleArn), providerArn, roleArn);

        Assert.Equal("InvalidIdentityToken", after.ErrorCode);
        Assert.Contains("provider doesn't exist", after.ErrorMessage, StringComparison.Ordinal);
    }

    private async Task<(string ProviderArn, string RoleArn)> SeedAsync(TestBroker broker)
    {
        var providerArn = IdentityProviderArns.Saml(broker.AccountId, ProviderName);
        var created = await broker.CallAsync("iam", "CreateSAMLProvider",
        [
            new("Name", ProviderName),
            new("SAMLMetadataDocument", TestSamlIdp.MetadataXml(TestSamlIdp.EntityId, _old.Certificate)),
        ]);
        Assert.Null(created.ErrorCode);
        var trust = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"{{providerArn}}"},"Action":"sts:AssumeRoleWithSAML"}]}""";
        var role = await StoreSeed.RoleAsync(broker, "Rotating", trust, 3600);
        return (providerArn, role.Arn);
    }

    private static string Response(TestSamlIdp idp, string providerArn, string roleArn)
    {
        var spec = ResponseSpec.At(DateTimeOffset.UtcNow) with
        {
            Attributes =
            [
                (SamlNames.RoleAttribute, [$"{roleArn},{providerArn}"]),
                (SamlNames.RoleSessionNameAttribute, ["ada@example.com"]),
            ],
        };
        var document = TestSamlIdp.Build(spec);
        idp.Sign(TestSamlIdp.Assertion(document));
        return TestSamlIdp.Encode(document);
    }

    private static Task<QueryReply> AssumeAsync(TestBroker broker, string assertion, string providerArn, string roleArn)
    {
        var body = string.Join("&", new (string Key, string Value)[]
        {
            ("Action", "AssumeRoleWithSAML"),
            ("Version", "2011-06-15"),
            ("RoleArn", roleArn),
            ("PrincipalArn", providerArn),
            ("SAMLAssertion", assertion),
        }.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));
        return broker.SendAsync(new HttpRequestMessage(HttpMethod.Post, broker.Endpoint + "/")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"),
        });
    }
}
