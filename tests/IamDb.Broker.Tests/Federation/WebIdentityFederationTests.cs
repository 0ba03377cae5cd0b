using System.Net;
using System.Text.Json.Nodes;
using IamDb.Aws.Signing;
using IamDb.Broker.State.Audit;
using IamDb.Broker.State.Iam;
using IamDb.Broker.Tests.Support;

namespace IamDb.Broker.Tests.Federation;

/// <summary>
/// <c>AssumeRoleWithWebIdentity</c> through the real broker over loopback HTTP against a Kubernetes-style issuer served
/// over loopback HTTPS (self-signed, registered by thumbprint): the session, the response AWS gives, the audit record,
/// and every hostile case refused with AWS's error code and no session.
/// </summary>
public sealed class WebIdentityFederationTests
{
    private const string ServiceAccount = "system:serviceaccount:ci:builder";

    [Fact]
    public async Task ServiceAccountToken_BecomesARoleSession_AsAws()
    {
        await using var issuer = await KubernetesStyleIssuer.StartAsync();
        await using var broker = await StartBrokerAsync();
        var provider = await RegisterAsync(broker, issuer);
        var role = await StoreSeed.RoleAsync(broker, "ci-builder", TrustPolicy(provider, issuer, ServiceAccount));
        var token = issuer.Sign(issuer.Claims());

        var reply = await AssumeAsync(broker, role.Arn, "build-17", token);

        Assert.True(reply.ErrorCode is null, reply.ToString());
        Assert.Equal(ServiceAccount, reply.Find("SubjectFromWebIdentityToken"));
        Assert.Equal(issuer.IssuerUrl, reply.Find("Provider"));
        Assert.Equal(KubernetesStyleIssuer.Audience, reply.Find("Audience"));
        Assert.Equal($"arn:aws:sts::{broker.AccountId}:assumed-role/ci-builder/build-17", reply.Find("Arn"));
        Assert.Equal($"{role.RoleId}:build-17", reply.Find("AssumedRoleId"));
        Assert.StartsWith("ASIA", reply.Find("AccessKeyId"), StringComparison.Ordinal);

        var session = new SigningCredentials(reply.Find("AccessKeyId")!, reply.Find("SecretAccessKey")!, reply.Find("SessionToken"));
        var who = await broker.CallAsync("sts", "GetCallerIdentity", credentials: session);
        Assert.Equal($"arn:aws:sts::{broker.AccountId}:assumed-role/ci-builder/build-17", who.Find("Arn"));

        var record = (await broker.AuditAsync()).Single(r => r.RequestId == reply.RequestId);
        var json = AuditJson.Write(record);
        Assert.Contains(provider, json, StringComparison.Ordinal);
        Assert.Contains(ServiceAccount, json, StringComparison.Ordinal);
        Assert.Contains(issuer.IssuerUrl, json, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Split('.')[2], json, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Split('.')[1], json, StringComparison.Ordinal);
        Assert.DoesNotContain(reply.Find("SecretAccessKey")!, json, StringComparison.Ordinal);
        Assert.DoesNotContain(reply.Find("SessionToken")!, json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SessionTagsFromTheToken_AreCheckedBySTagSession_AndBecomePrincipalTags()
    {
        await using var issuer = await KubernetesStyleIssuer.StartAsync();
        await using var broker = await StartBrokerAsync();
        var provider = await RegisterAsync(broker, issuer);
        var trustWithTags = $$"""
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"{{provider}}"},
              "Action":["sts:AssumeRoleWithWebIdentity","sts:TagSession"],
              "Condition":{"StringEquals":{"aws:RequestTag/team":"data"} } }]}
            """;
        var role = await StoreSeed.RoleAsync(broker, "tagged", trustWithTags);
        var withoutTagSession = await StoreSeed.RoleAsync(broker, "untagged", TrustPolicy(provider, issuer, ServiceAccount));
        var claims = issuer.Claims();
        claims["https://aws.amazon.com/tags"] = new JsonObject
        {
            ["principal_tags"] = new JsonObject { ["team"] = new JsonArray("data") },
            ["transitive_tag_keys"] = new JsonArray("team"),
        };
        var token = issuer.Sign(claims);

        var allowed = await AssumeAsync(broker, role.Arn, "tagged", token);
        var refused = await AssumeAsync(broker, withoutTagSession.Arn, "untagged", token);

        Assert.True(allowed.ErrorCode is null, allowed.ToString());
        Assert.NotNull(allowed.Find("PackedPolicySize"));
        var stored = await broker.Store.ReadAsync((r, ct) => r.Sessions.GetAsync(allowed.Find("AccessKeyId")!, ct), TestContext.Current.CancellationToken);
        Assert.Equal([new Tag("team", "data")], stored!.SessionTags);
        Assert.Equal(["team"], stored.TransitiveTagKeys);
        Assert.Equal("AccessDenied", refused.ErrorCode);
    }

    [Fact]
    public async Task RotatedKey_IsFetchedOnce_AndMadeUpKeyIdsDoNotHammerTheIssuer()
    {
        await using var issuer = await KubernetesStyleIssuer.StartAsync();
        await using var broker = await StartBrokerAsync();
        var provider = await RegisterAsync(broker, issuer);
        var role = await StoreSeed.RoleAsync(broker, "ci", TrustPolicy(provider, issuer, ServiceAccount));

        Assert.Null((await AssumeAsync(broker, role.Arn, "s1", issuer.Sign(issuer.Claims()))).ErrorCode);
        Assert.Null((await AssumeAsync(broker, role.Arn, "s2", issuer.Sign(issuer.Claims()))).ErrorCode);
        Assert.Equal(1, issuer.JwksRequests); // cached

        issuer.RotateKey("key-2");
        var rotated = await AssumeAsync(broker, role.Arn, "s3", issuer.Sign(issuer.Claims()));
        Assert.True(rotated.ErrorCode is null, rotated.ToString());
        Assert.Equal(2, issuer.JwksRequests); // the unknown kid made one refresh

        var codes = new List<string?>();
        for (var i = 0; i < 5; i++)
        {
            codes.Add((await AssumeAsync(broker, role.Arn, "s4", issuer.SignWithUnpublishedKey(issuer.Claims(), $"made-up-{i}"))).ErrorCode);
        }

        Assert.All(codes, c => Assert.Equal("InvalidIdentityToken", c));
        Assert.Equal(2, issuer.JwksRequests); // within the refresh interval: no further fetch for unknown kids
    }

    /// <summary>
    /// AWS keeps an issuer's trailing slash (Auth0's <c>iss</c> ends with one; its provider is
    /// <c>oidc-provider/TENANT.auth0.com/</c> with keys <c>TENANT.auth0.com/:aud</c>) and a token whose <c>iss</c> is spelled
    /// otherwise finds no provider. Registered through the IAM API with and without the slash, tokens with and without it.
    /// </summary>
    [Theory]
    [InlineData(false, false, true)]
    [InlineData(true, true, true)]
    [InlineData(false, true, false)]
    [InlineData(true, false, false)]
    public async Task IssuerTrailingSlash_MustBeSpelledAsRegistered_AsInAws(bool registeredWithSlash, bool issWithSlash, bool accepted)
    {
        await using var issuer = await KubernetesStyleIssuer.StartAsync(trailingSlash: registeredWithSlash);
        await using var broker = await StartBrokerAsync();
        var created = await broker.CallAsync("iam", "CreateOpenIDConnectProvider",
            [new("Url", issuer.IssuerUrl), new("ClientIDList.member.1", KubernetesStyleIssuer.Audience), new("ThumbprintList.member.1", issuer.Thumbprint)]);
        var provider = created.Find("OpenIDConnectProviderArn")!;
        var role = await StoreSeed.RoleAsync(broker, "ci", TrustPolicy(provider, issuer, ServiceAccount));
        var iss = issuer.IssuerUrl.TrimEnd('/') + (issWithSlash ? "/" : "");

        var reply = await AssumeAsync(broker, role.Arn, "slash", issuer.Sign(With(issuer.Claims(), "iss", iss)));

        Assert.Equal($"arn:aws:iam::{broker.AccountId}:oidc-provider/{issuer.HostAndPath}", provider);
        Assert.Equal(registeredWithSlash, provider.EndsWith('/'));
        if (accepted)
        {
            // The trust policy's condition keys are spelled with the provider's slash (TrustPolicy uses HostAndPath).
            Assert.True(reply.ErrorCode is null, reply.ToString());
            Assert.Equal(iss, reply.Find("Provider"));
        }
        else
        {
            Assert.Equal("InvalidIdentityToken", reply.ErrorCode);
            Assert.Equal($"No OpenIDConnect provider found in your account for {iss}", reply.ErrorMessage);
        }
    }

    public static TheoryData<string> HostileCases() =>
    [
        "expired", "wrong-aud", "wrong-iss", "unknown-kid", "alg-none", "hs256-public-key", "deleted-provider", "sub-not-matching",
        "forged-signature", "untrusted-certificate",
    ];

    [Theory]
    [MemberData(nameof(HostileCases))]
    public async Task HostileToken_GetsAwsErrorCode_AndNoSession(string hostile)
    {
        await using var issuer = await KubernetesStyleIssuer.StartAsync();
        await using var broker = await StartBrokerAsync();
        var provider = await RegisterAsync(broker, issuer, thumbprint: hostile == "untrusted-certificate" ? new string('A', 40) : null);
        var role = await StoreSeed.RoleAsync(broker, "ci", TrustPolicy(provider, issuer, hostile == "sub-not-matching" ? "system:serviceaccount:prod:deployer" : ServiceAccount));
        var claims = issuer.Claims();
        var (token, expected) = hostile switch
        {
            "expired" => (issuer.Sign(With(claims, "exp", DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds())), "ExpiredTokenException"),
            "wrong-aud" => (issuer.Sign(issuer.Claims(audience: "some-other-client")), "IDPRejectedClaim"),
            "wrong-iss" => (issuer.Sign(With(claims, "iss", "https://127.0.0.1:1/not-registered")), "InvalidIdentityToken"),
            "unknown-kid" => (issuer.SignWithUnpublishedKey(claims, "no-such-key"), "InvalidIdentityToken"),
            "alg-none" => (KubernetesStyleIssuer.Unsigned(claims), "InvalidIdentityToken"),
            "hs256-public-key" => (issuer.SignHs256WithPublicKey(claims), "InvalidIdentityToken"),
            "forged-signature" => (issuer.SignWithUnpublishedKey(claims, issuer.CurrentKid), "InvalidIdentityToken"),
            "untrusted-certificate" => (issuer.Sign(claims), "IDPCommunicationError"),
            _ => (issuer.Sign(claims), hostile == "sub-not-matching" ? "AccessDenied" : "InvalidIdentityToken"),
        };
        if (hostile == "deleted-provider")
        {
            await broker.Store.WriteAsync((w, ct) => w.IdentityProviders.DeleteOpenIdConnectProviderAsync(provider, ct), TestContext.Current.CancellationToken);
        }

        var reply = await AssumeAsync(broker, role.Arn, "hostile", token);

        Assert.Equal(expected, reply.ErrorCode);
        Assert.Equal(expected is "AccessDenied" or "IDPRejectedClaim" ? HttpStatusCode.Forbidden : HttpStatusCode.BadRequest, reply.Status);
        Assert.Null(reply.Find("SessionToken"));
        var records = await broker.AuditAsync();
        Assert.DoesNotContain(records, r => r.EventName == "AssumeRoleWithWebIdentity" && r.ErrorCode is null);
        var record = records.Single(r => r.RequestId == reply.RequestId);
        var json = AuditJson.Write(record);
        Assert.Contains(expected, json, StringComparison.Ordinal); // the decision trace names the check that failed
        Assert.DoesNotContain(token.Split('.')[1], json, StringComparison.Ordinal);
        if (hostile == "deleted-provider" || hostile == "wrong-iss")
        {
            Assert.StartsWith("No OpenIDConnect provider found in your account for https://127.0.0.1:", reply.ErrorMessage, StringComparison.Ordinal);
        }
    }

    private static JsonObject With(JsonObject claims, string name, JsonNode value)
    {
        claims[name] = value;
        return claims;
    }

    internal static Task<TestBroker> StartBrokerAsync() => TestBroker.StartAsync(o =>
    {
        // Hostile cases spend the address's budget of failed authentications; the tests do not measure that budget here.
        o.FailedAuthenticationBurst = 1000;
    });

    internal static async Task<string> RegisterAsync(TestBroker broker, KubernetesStyleIssuer issuer, string? thumbprint = null, string clientId = KubernetesStyleIssuer.Audience)
    {
        var arn = IdentityProviderArns.OpenIdConnect(broker.AccountId, issuer.HostAndPath);
        var provider = new OpenIdConnectProvider(arn, issuer.HostAndPath, [clientId], [thumbprint ?? issuer.Thumbprint], [], broker.Time.GetUtcNow());
        await broker.Store.WriteAsync((w, ct) => w.IdentityProviders.CreateOpenIdConnectProviderAsync(provider, ct));
        return arn;
    }

    internal static string TrustPolicy(string provider, KubernetesStyleIssuer issuer, string subject) => $$"""
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"{{provider}}"},
          "Action":"sts:AssumeRoleWithWebIdentity",
          "Condition":{"StringEquals":{"{{issuer.HostAndPath}}:sub":"{{subject}}","{{issuer.HostAndPath}}:aud":"{{KubernetesStyleIssuer.Audience}}"} } }]}
        """;

    internal static Task<QueryReply> AssumeAsync(TestBroker broker, string roleArn, string sessionName, string token) =>
        UnsignedStsPathTests.SendUnsignedAsync(broker,
            ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", roleArn), ("RoleSessionName", sessionName),
            ("WebIdentityToken", token));
}
