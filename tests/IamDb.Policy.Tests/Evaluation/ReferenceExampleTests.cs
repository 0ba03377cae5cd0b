using IamDb.Policy.Authorization;
using IamDb.Policy.Compilation;
using static IamDb.Policy.Tests.Evaluation.TestPolicies;

namespace IamDb.Policy.Tests.Evaluation;

/// <summary>Worked examples from the IAM User Guide ("Policy evaluation logic", "Condition operators") not covered by the operator table.</summary>
public class ReferenceExampleTests
{
    [Fact]
    public void DenyWithNegatedIfExists_KeyMissing_StillDenies()
    {
        // "If you are using an Effect: Deny element with a negated condition operator like StringNotEqualsIfExists,
        // the request is still denied even if the tag is missing."
        var set = Identities(Identity(Allow("*"), Deny("*", "*", When("StringNotEqualsIfExists", "aws:PrincipalTag/team", "data"))));
        Assert.Equal(Decision.ExplicitDeny, Decide(set, Alice, "s3:GetObject"));
    }

    [Fact]
    public void ForAllValuesAllowWithoutNullGuard_KeyMissing_IsPermissive()
    {
        var set = Identities(Identity(Allow("ec2:CreateTags", "*", When("ForAllValues:StringEquals", "aws:TagKeys", "env", "team"))));
        Assert.Equal(Decision.Allow, Decide(set, Alice, "ec2:CreateTags", "*"));
    }

    [Fact]
    public void ForAllValuesAllowWithNullGuard_KeyMissing_IsDenied()
    {
        var set = Identities(Identity(Allow("ec2:CreateTags", "*",
            When("ForAllValues:StringEquals", "aws:TagKeys", "env", "team"), When("Null", "aws:TagKeys", "false"))));
        Assert.Equal(Decision.ImplicitDeny, Decide(set, Alice, "ec2:CreateTags", "*"));
        Assert.Equal(Decision.Allow, Decide(set, Alice, "ec2:CreateTags", "*", Context().Set("aws:TagKeys", ["env"])));
        Assert.Equal(Decision.ImplicitDeny, Decide(set, Alice, "ec2:CreateTags", "*", Context().Set("aws:TagKeys", ["env", "owner"])));
    }

    [Fact]
    public void SingleValuedOperatorOnMultivaluedKey_NeverMatches()
    {
        // iam-simulate: "Set operator is required for a multi-value key", even for a one-element array.
        var set = Identities(Identity(Allow("ec2:CreateTags", "*", When("StringEquals", "aws:TagKeys", "a"))));
        Assert.Equal(Decision.ImplicitDeny, Decide(set, Alice, "ec2:CreateTags", "*", Context().Set("aws:TagKeys", ["a"])));
    }

    [Fact]
    public void ExplicitDenyAndReportFamily_FromTheExplicitImplicitDenyPage()
    {
        // AllowGetList allows iam:Get* and iam:List*; DenyReports denies actions containing "Report".
        var set = Identities(Identity(
            Allow("iam:Get*").WithSid("AllowGetList"),
            Allow("iam:List*"),
            Deny("iam:*Report*").WithSid("DenyReports")));
        Assert.Equal(Decision.Allow, Decide(set, Alice, "iam:GetUser", "*"));
        Assert.Equal(Decision.ImplicitDeny, Decide(set, Alice, "iam:CreatePolicy", "*"));
        Assert.Equal(Decision.ExplicitDeny, Decide(set, Alice, "iam:GetOrganizationsAccessReport", "*"));
        Assert.Equal(Decision.ExplicitDeny, Decide(set with { IdentityPolicies = [.. set.IdentityPolicies, Identity(Allow("iam:GenerateCredentialReport"))] },
            Alice, "iam:GenerateCredentialReport", "*"));
    }

    [Theory]
    [InlineData("StringEquals", true)]
    [InlineData("StringNotEquals", false)]
    public void PolicyVariableInUserIdCondition_RoleSessionPattern(string op, bool expected)
    {
        // aws:userid for a role session is ROLEID:session; policies bind it with a variable.
        var condition = When(op, "aws:userid", "AROAOPS:${test:Session}");
        Assert.Equal(expected, ConditionHolds(condition, Context().Set("test:Session", "sess"), RoleSession));
    }
}
