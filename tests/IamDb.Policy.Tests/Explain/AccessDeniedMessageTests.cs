using IamDb.Policy.Authorization;
using IamDb.Policy.Compilation;
using IamDb.Policy.Explain;
using static IamDb.Policy.Tests.Evaluation.TestPolicies;

namespace IamDb.Policy.Tests.Explain;

public class AccessDeniedMessageTests
{
    private const string Action = "redshift:GetClusterCredentials";
    private const string Resource = "arn:aws:redshift:us-west-2:123456789012:dbuser:examplecluster/alice";
    private const string Head = "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: redshift:GetClusterCredentials on resource: " + Resource;

    private static string Message(PolicySet set)
    {
        var request = new AuthorizationRequest(Alice, Action, Resource, Context());
        return AccessDeniedMessage.Render(PolicyExplainer.Explain(in request, set), in request);
    }

    [Fact]
    public void Render_NoIdentityPolicy_BecauseNoIdentityBasedPolicyAllows() =>
        Assert.Equal(Head + " because no identity-based policy allows the redshift:GetClusterCredentials action", Message(new PolicySet()));

    [Fact]
    public void Render_ExplicitDenyInManagedPolicy_NamesPolicyArn() =>
        Assert.Equal(
            Head + " with an explicit deny in an identity-based policy: arn:aws:iam::123456789012:policy/NoRedshift",
            Message(Identities(Managed("NoRedshift", Deny("redshift:*")))));

    [Fact]
    public void Render_ExplicitDenyInInlinePolicy_OmitsArn() =>
        Assert.Equal(Head + " with an explicit deny in an identity-based policy", Message(Identities(Identity(Deny("redshift:*")))));

    [Theory]
    [InlineData(PolicyKind.PermissionsBoundary, " with an explicit deny in a permissions boundary")]
    [InlineData(PolicyKind.Guardrail, " with an explicit deny in a service control policy")]
    public void Render_ExplicitDenyByKind_NamesPolicyType(PolicyKind kind, string suffix)
    {
        var deny = PolicyOf(kind, Allow("*"), Deny("redshift:*"));
        var set = kind == PolicyKind.Guardrail
            ? Identities(Identity(Allow("*"))) with { GuardrailLevels = [[deny]] }
            : Identities(Identity(Allow("*"))) with { PermissionsBoundary = deny };
        Assert.Equal(Head + suffix, Message(set));
    }

    [Fact]
    public void Render_ExplicitDenyInResourcePolicy_NamesResourceBasedPolicy()
    {
        var set = Identities(Identity(Allow("*"))) with { ResourcePolicy = PolicyOf(PolicyKind.ResourceBased, Deny("*").ForEveryone()) };
        Assert.Equal(Head + " with an explicit deny in a resource-based policy", Message(set));
    }

    [Theory]
    [InlineData("boundary", " because no permissions boundary allows the redshift:GetClusterCredentials action")]
    [InlineData("guardrail", " because no service control policy allows the redshift:GetClusterCredentials action")]
    public void Render_ImplicitDenyByLayer_NamesTheLayer(string layer, string suffix)
    {
        var set = Identities(Identity(Allow("*")));
        set = layer == "boundary"
            ? set with { PermissionsBoundary = PolicyOf(PolicyKind.PermissionsBoundary, Allow("s3:*")) }
            : set with { GuardrailLevels = [[PolicyOf(PolicyKind.Guardrail, Allow("s3:*"))]] };
        Assert.Equal(Head + suffix, Message(set));
    }

    [Fact]
    public void Render_SessionPolicyDoesNotAllow_BecauseNoSessionPolicyAllows()
    {
        var set = Identities(Identity(Allow("*"))) with { SessionPolicies = [PolicyOf(PolicyKind.Session, Allow("s3:*"))] };
        var request = new AuthorizationRequest(RoleSession, Action, Resource, Context());
        var message = AccessDeniedMessage.Render(PolicyExplainer.Explain(in request, set), in request);
        Assert.Equal(
            "User: arn:aws:sts::123456789012:assumed-role/Ops/sess is not authorized to perform: redshift:GetClusterCredentials on resource: "
            + Resource + " because no session policy allows the redshift:GetClusterCredentials action",
            message);
    }

    [Theory]
    [InlineData(Decision.ExplicitDeny, Head + " with an explicit deny")]
    [InlineData(Decision.ImplicitDeny, Head)]
    public void Render_ShortForm_FromDecisionOnly(Decision decision, string expected) =>
        Assert.Equal(expected, AccessDeniedMessage.Render("arn:aws:iam::123456789012:user/alice", Action, Resource, decision));

    [Fact]
    public void Render_WildcardResource_OmitsOnResource() =>
        Assert.Equal(
            "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: redshift:DescribeClusters",
            AccessDeniedMessage.Render("arn:aws:iam::123456789012:user/alice", "redshift:DescribeClusters", "*", Decision.ImplicitDeny));

    [Fact]
    public void Render_Allowed_Throws() =>
        Assert.Throws<ArgumentException>(() => AccessDeniedMessage.Render("arn", Action, Resource, Decision.Allow));
}
