using IamDb.Policy.Authorization;
using IamDb.Policy.Compilation;
using IamDb.Policy.Explain;
using IamDb.Policy.Model;
using static IamDb.Policy.Tests.Evaluation.TestPolicies;

namespace IamDb.Policy.Tests.Explain;

public class PolicyExplainerTests
{
    private const string Get = "s3:GetObject";

    [Fact]
    public void Explain_ExplicitDeny_ListsEveryMatchingDeny()
    {
        var set = Identities(
            Managed("A", Allow("s3:*").WithSid("AllowS3")),
            Managed("B", Deny(Get).WithSid("DenyGet"), Deny("s3:Get*").WithSid("DenyGets"), Deny("ec2:*").WithSid("DenyEc2")));
        var result = Explained(set, Alice, Get);
        Assert.Equal(Decision.ExplicitDeny, result.Decision);
        Assert.Equal(["DenyGet", "DenyGets"], result.DeterminingStatements.Select(s => s.Sid));
        Assert.Equal(["AllowS3", "DenyGet", "DenyGets"], result.MatchedStatements.Select(s => s.Sid));
        Assert.Empty(result.DenialReasons);
    }

    [Fact]
    public void Explain_Allow_ListsContributingAllowsWithProvenance()
    {
        var set = Identities(Managed("A", Deny("ec2:*"), Allow(Get).WithSid("AllowGet"))) with
        {
            PermissionsBoundary = PolicyOf(PolicyKind.PermissionsBoundary, Allow("s3:*").WithSid("Cap")),
        };
        var result = Explained(set, Alice, Get);
        Assert.Equal(Decision.Allow, result.Decision);
        Assert.Equal(
            [
                new StatementReference("A", $"arn:aws:iam::{Account}:policy/A", PolicyKind.Identity, 1, "AllowGet", PolicyEffect.Allow),
                new StatementReference("PermissionsBoundaryPolicy", null, PolicyKind.PermissionsBoundary, 0, "Cap", PolicyEffect.Allow),
            ],
            result.DeterminingStatements);
    }

    [Fact]
    public void Explain_ResourcePolicyGrantsAlone_OnlyResourceStatementDetermines()
    {
        var set = Identities(Identity(Allow(Get).WithSid("Identity"))) with
        {
            ResourcePolicy = PolicyOf(PolicyKind.ResourceBased, Allow(Get).For($"arn:aws:iam::{Account}:user/alice").WithSid("Bucket")),
        };
        Assert.Equal(["Bucket"], Explained(set, Alice, Get).DeterminingStatements.Select(s => s.Sid));
    }

    [Fact]
    public void Explain_ImplicitDeny_ListsEveryLayerWithoutAllow()
    {
        var set = new PolicySet
        {
            PermissionsBoundary = PolicyOf(PolicyKind.PermissionsBoundary, Allow("ec2:*")),
            SessionPolicies = [PolicyOf(PolicyKind.Session, Allow("ec2:*"))],
            GuardrailLevels = [[PolicyOf(PolicyKind.Guardrail, Allow("ec2:*"))]],
        };
        var result = Explained(set, RoleSession, Get);
        Assert.Equal(
            [DenialReason.NoGuardrailAllows, DenialReason.NoIdentityPolicyAllows, DenialReason.NoPermissionsBoundaryAllows, DenialReason.NoSessionPolicyAllows],
            result.DenialReasons);
        Assert.Empty(result.DeterminingStatements);
    }

    [Fact]
    public void Explain_MissingContextKeys_OnlyFromStatementsWhoseActionApplies()
    {
        // boto3#3111: keys of statements for other actions must not be reported.
        var set = Identities(Identity(
            Allow(Get, "*", When("IpAddress", "aws:SourceIp", "10.0.0.0/8"), When("StringEquals", "s3:prefix", "home/")),
            Allow("ec2:RunInstances", "*", When("StringEquals", "ec2:InstanceType", "t3.micro"))));
        var result = Explained(set, Alice, Get);
        Assert.Equal(["aws:SourceIp", "s3:prefix"], result.MissingContextKeys);
    }

    [Fact]
    public void Explain_ResourceVariableKeyMissing_IsReported()
    {
        var set = Identities(Identity(Allow(Get, "arn:aws:s3:::home/${aws:username}/*")));
        Assert.Equal(["aws:username"], Explained(set, RoleSession, Get, "arn:aws:s3:::home/x/y").MissingContextKeys);
    }

    [Fact]
    public void ExplanationText_ImplicitDeny_ExplainsTheMissingLayer()
    {
        var set = Identities(Identity(Allow("*"))) with { PermissionsBoundary = PolicyOf(PolicyKind.PermissionsBoundary, Allow("ec2:*")) };
        var request = new AuthorizationRequest(Alice, Get, Bucket, Context());
        var text = ExplanationText.Render(PolicyExplainer.Explain(in request, set), in request);
        Assert.Contains("Decision: implicitDeny", text, StringComparison.Ordinal);
        Assert.Contains("the permissions boundary does not allow it", text, StringComparison.Ordinal);
        Assert.Contains("principal: arn:aws:iam::123456789012:user/alice", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ExplanationText_ExplicitDeny_NamesStatementAndMissingKeys()
    {
        var set = Identities(Identity(Allow("*")), Managed("Guard", Deny("s3:*", "*", When("StringNotEquals", "aws:RequestedRegion", "us-east-1")).WithSid("RegionLock")));
        var request = new AuthorizationRequest(Alice, Get, Bucket, Context());
        var text = ExplanationText.Render(PolicyExplainer.Explain(in request, set), in request);
        Assert.Contains("Decision: explicitDeny", text, StringComparison.Ordinal);
        Assert.Contains("Deny in identity-based policy \"Guard\" (arn:aws:iam::123456789012:policy/Guard), statement 0 (Sid \"RegionLock\")", text, StringComparison.Ordinal);
        Assert.Contains("Missing context keys: aws:RequestedRegion", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ExplanationText_SkippedStatement_IsListed()
    {
        var set = Identities(Identity(Allow("*"), Deny("*", "*", When("Bogus", "k", "v"))));
        var request = new AuthorizationRequest(Alice, Get, Bucket, Context());
        var text = ExplanationText.Render(PolicyExplainer.Explain(in request, set), in request);
        Assert.Contains("Skipped Deny in identity-based policy", text, StringComparison.Ordinal);
        Assert.Contains("unknown condition operator `Bogus`", text, StringComparison.Ordinal);
    }
}
