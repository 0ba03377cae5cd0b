using IamDb.Policy.AccessReview;

namespace IamDb.Policy.Tests.AccessReview;

/// <summary>
/// Roles that people or workloads sign in to through an identity provider: the review says through which provider and
/// under which claim conditions, next to the database users the role can become.
/// </summary>
public sealed class FederatedAccessReviewTests
{
    private const string Account = "123456789012";
    private const string Oidc = $"arn:aws:iam::{Account}:oidc-provider/idp.example:8443";
    private const string Saml = $"arn:aws:iam::{Account}:saml-provider/Okta";
    private static readonly ClusterRef Analytics = new("analytics", "us-east-1", Account);

    private const string Grant = $$"""
        {"Version":"2012-10-17","Statement":[{"Sid":"Creds","Effect":"Allow","Action":"redshift:GetClusterCredentials",
          "Resource":"arn:aws:redshift:us-east-1:{{Account}}:dbuser:analytics/ci_*"}]}
        """;

    private static RoleDetail Role(string name, string trust) =>
        new(name, $"arn:aws:iam::{Account}:role/{name}", "AROA" + name.ToUpperInvariant(), "/", [$"arn:aws:iam::{Account}:policy/grant"], [], null, trust,
            new Dictionary<string, string>());

    private static AccessReviewReport Review(params RoleDetail[] roles) => AccessAnalyzer.Analyze(
        new AuthorizationDetails(Account, [], [], roles, [new ManagedPolicyDetail($"arn:aws:iam::{Account}:policy/grant", "grant", Grant)]),
        [Analytics]);

    [Fact]
    public void WebIdentityTrust_ListsProviderActionAndClaimConditions()
    {
        var trust = $$$$"""
            {"Version":"2012-10-17","Statement":[{"Sid":"CI","Effect":"Allow","Principal":{"Federated":"{{{{Oidc}}}}"},
              "Action":"sts:AssumeRoleWithWebIdentity",
              "Condition":{"StringEquals":{"idp.example:8443:aud":"iamdb"},"StringLike":{"idp.example:8443:sub":["repo:org/app:*","repo:org/lib:*"]}}}]}
            """;

        var grant = Assert.Single(Assert.Single(Review(Role("ci", trust)).Entries).Principals);

        var way = Assert.Single(grant.Federated);
        Assert.Equal(Oidc, way.ProviderArn);
        Assert.Equal("sts:AssumeRoleWithWebIdentity", way.Action);
        Assert.Equal(["idp.example:8443:aud StringEquals iamdb", "idp.example:8443:sub StringLike repo:org/app:* | repo:org/lib:*"], way.Conditions);
        Assert.Equal("trust#CI", way.Statement);
        Assert.Equal(
            $"through {Oidc} (sts:AssumeRoleWithWebIdentity) when idp.example:8443:aud StringEquals iamdb and idp.example:8443:sub StringLike repo:org/app:* | repo:org/lib:*",
            way.Describe());
    }

    [Fact]
    public void SamlTrust_WithoutConditions_SaysAnyIdentity_AndNonFederatedPrincipalsAreNotListed()
    {
        var trust = $$"""
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Principal":{"Federated":"{{Saml}}"},"Action":["sts:AssumeRoleWithSAML","sts:TagSession"]},
              {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{Account}}:user/adam"},"Action":"sts:AssumeRole"}]}
            """;

        var grant = Assert.Single(Assert.Single(Review(Role("analyst", trust)).Entries).Principals);

        var way = Assert.Single(grant.Federated);
        Assert.Equal(Saml, way.ProviderArn);
        Assert.Equal("sts:AssumeRoleWithSAML", way.Action);
        Assert.Empty(way.Conditions);
        Assert.Equal("trust#statement 0", way.Statement);
        Assert.EndsWith("for any identity it vouches for", way.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void TrustWithoutFederation_HasNoFederatedWays_DenyIsWarned()
    {
        var plain = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}""";
        var denied = $$$$"""
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Principal":{"Federated":"{{{{Oidc}}}}"},"Action":"sts:AssumeRoleWithWebIdentity"},
              {"Sid":"NoForks","Effect":"Deny","Principal":{"Federated":"{{{{Oidc}}}}"},"Action":"sts:AssumeRoleWithWebIdentity",
               "Condition":{"StringLike":{"idp.example:8443:sub":"repo:fork/*"}}}]}
            """;

        var report = Review(Role("plain", plain), Role("guarded", denied));

        var principals = Assert.Single(report.Entries).Principals;
        Assert.Empty(principals.Single(p => p.Name == "plain").Federated);
        Assert.Single(principals.Single(p => p.Name == "guarded").Federated);
        Assert.Contains(report.Warnings, w => w.Contains("role guarded's trust policy denies sts:AssumeRoleWithWebIdentity", StringComparison.Ordinal));
    }
}
