using IamDb.Policy.Authorization;
using IamDb.Policy.Compilation;
using IamDb.Policy.Evaluation;
using IamDb.Policy.Model;
using static IamDb.Policy.Tests.Evaluation.TestPolicies;

namespace IamDb.Policy.Tests.Authorization;

/// <summary>
/// A trust policy naming an identity provider (<c>"Principal": {"Federated": "arn:…:oidc-provider/…"}</c>) allows the bearer
/// of that provider's verified token, and nobody else; such a principal has no identity side of its own.
/// </summary>
public class FederatedPrincipalTests
{
    private const string Action = "sts:AssumeRoleWithWebIdentity";
    private static readonly string Role = $"arn:aws:iam::{Account}:role/ci";
    private static readonly string Provider = $"arn:aws:iam::{Account}:oidc-provider/idp.example:8443";
    private static readonly string OtherProvider = $"arn:aws:iam::{Account}:oidc-provider/other.example";

    private static PrincipalInfo Bearer(string provider) => PrincipalInfo.IdentityProviderUser(PrincipalType.WebIdentityUser, provider);

    private static PolicySet Trust(params PolicyStatement[] statements) => new() { ResourcePolicy = PolicyOf(PolicyType.TrustPolicy, statements) };

    private static PolicyStatement ForFederated(PolicyStatement statement, string provider) =>
        statement.NoResource() with { Principal = new PrincipalElement(false, false, [new("Federated", (IReadOnlyList<string>)[provider])]) };

    [Fact]
    public void TrustPolicyNamingTheProvider_AllowsItsTokenBearer_AndNoOtherProvider()
    {
        var set = Trust(ForFederated(Allow(Action), Provider));

        Assert.Equal(Decision.Allow, Decide(set, Bearer(Provider), Action, Role));
        Assert.Equal(Decision.ImplicitDeny, Decide(set, Bearer(OtherProvider), Action, Role));
    }

    [Fact]
    public void TrustPolicyNamingTheProvider_DoesNotAllowUsersRolesOrAnonymous()
    {
        var set = Trust(ForFederated(Allow(Action), Provider));

        Assert.Equal(Decision.ImplicitDeny, Decide(set, Alice, Action, Role));
        Assert.Equal(Decision.ImplicitDeny, Decide(set, RoleSession, Action, Role));
        Assert.Equal(Decision.ImplicitDeny, Decide(set, PrincipalInfo.Anonymous, Action, Role));
    }

    [Fact]
    public void SubCondition_MustMatchTheTokensClaim()
    {
        var set = Trust(ForFederated(Allow(Action, "*", When("StringEquals", "idp.example:8443:sub", "system:serviceaccount:ci:builder")), Provider));

        Assert.Equal(Decision.Allow, Decide(set, Bearer(Provider), Action, Role, Context().Set("idp.example:8443:sub", "system:serviceaccount:ci:builder")));
        Assert.Equal(Decision.ImplicitDeny, Decide(set, Bearer(Provider), Action, Role, Context().Set("idp.example:8443:sub", "system:serviceaccount:ci:other")));
        Assert.Equal(Decision.ImplicitDeny, Decide(set, Bearer(Provider), Action, Role));
    }

    [Fact]
    public void NoTrustPolicy_NothingAllowsTheBearer_EvenWithAnIdentityAllow()
    {
        Assert.Equal(Decision.ImplicitDeny, Decide(Identities(Identity(Allow("*"))), Bearer(Provider), Action, Role));
    }

    [Fact]
    public void NotPrincipalListingTheProvider_ExcludesOnlyThatProvider()
    {
        var deny = Deny(Action).NoResource() with { Principal = new PrincipalElement(true, false, [new("Federated", (IReadOnlyList<string>)[Provider])]) };
        var set = Trust(ForFederated(Allow(Action), Provider), ForFederated(Allow(Action), OtherProvider), deny);

        Assert.Equal(Decision.Allow, Decide(set, Bearer(Provider), Action, Role));
        Assert.Equal(Decision.ExplicitDeny, Decide(set, Bearer(OtherProvider), Action, Role));
    }

    [Fact]
    public void PrincipalTypeKey_IsWebIdentityUserOrSamlUser()
    {
        var webTrust = Trust(ForFederated(Allow("test:Act", "*", When("StringEquals", "aws:PrincipalType", "WebIdentityUser")), Provider));
        var samlTrust = Trust(ForFederated(Allow("test:Act", "*", When("StringEquals", "aws:PrincipalType", "SAMLUser")), Provider));

        Assert.Equal(Decision.Allow, Decide(webTrust, Bearer(Provider), "test:Act", "*"));
        Assert.Equal(Decision.ImplicitDeny, Decide(samlTrust, Bearer(Provider), "test:Act", "*"));
        Assert.Equal(Decision.Allow, Decide(samlTrust, PrincipalInfo.IdentityProviderUser(PrincipalType.SamlUser, Provider), "test:Act", "*"));
    }

    [Fact]
    public void IdentityProviderUser_RefusesOtherPrincipalTypes() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PrincipalInfo.IdentityProviderUser(PrincipalType.User, Provider));
}
