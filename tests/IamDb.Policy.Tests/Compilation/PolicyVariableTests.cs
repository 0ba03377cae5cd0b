using IamDb.Policy.Authorization;
using IamDb.Policy.Compilation;
using IamDb.Policy.Evaluation;
using IamDb.Policy.Model;
using static IamDb.Policy.Tests.Evaluation.TestPolicies;

namespace IamDb.Policy.Tests.Compilation;

public class PolicyVariableTests
{
    private const string Home = "arn:aws:s3:::home/${aws:username}/*";

    private static Decision DecideDoc(PolicyDocument document, PrincipalInfo principal, string resource, RequestContext? context = null) =>
        Decide(Identities(CompiledPolicy.Compile(document, PolicyKind.Identity, "p")), principal, "s3:GetObject", resource, context);

    [Theory]
    [InlineData("arn:aws:s3:::home/alice/notes.txt", Decision.Allow)]
    [InlineData("arn:aws:s3:::home/bob/notes.txt", Decision.ImplicitDeny)]
    public void Resource_UserNameVariable_IsSubstituted(string resource, Decision expected) =>
        Assert.Equal(expected, Decide(Identities(Identity(Allow("s3:GetObject", Home))), Alice, "s3:GetObject", resource));

    [Fact]
    public void Resource_UnresolvedVariable_MatchesNothing() =>
        Assert.Equal(Decision.ImplicitDeny, Decide(Identities(Identity(Allow("s3:GetObject", Home))), RoleSession, "s3:GetObject", "arn:aws:s3:::home//x"));

    [Fact]
    public void Resource_UnresolvedVariableInNotResource_ExcludesNothing() =>
        Assert.Equal(Decision.Allow, Decide(Identities(Identity(Allow("s3:GetObject", Home).NotResource())), RoleSession, "s3:GetObject", "arn:aws:s3:::home/x/y"));

    [Theory]
    [InlineData(null)]
    [InlineData(PolicyDocument.Version2008)]
    public void Resource_LegacyOrMissingVersion_TreatsVariablesAsLiteralText(string? version)
    {
        var document = new PolicyDocument(version, null, [Allow("s3:GetObject", Home)]);
        Assert.Equal(Decision.ImplicitDeny, DecideDoc(document, Alice, "arn:aws:s3:::home/alice/notes.txt"));
        Assert.Equal(Decision.Allow, DecideDoc(document, Alice, "arn:aws:s3:::home/${aws:username}/notes.txt"));
    }

    [Fact]
    public void Condition_LegacyVersion_TreatsVariablesAsLiteralText()
    {
        var condition = When("StringEquals", "test:Owner", "${aws:username}");
        var document = new PolicyDocument(PolicyDocument.Version2008, null, [Allow("s3:GetObject", "*", condition)]);
        Assert.Equal(Decision.ImplicitDeny, DecideDoc(document, Alice, "x", Context().Set("test:Owner", "alice")));
        Assert.Equal(Decision.Allow, DecideDoc(document, Alice, "x", Context().Set("test:Owner", "${aws:username}")));
    }

    [Theory]
    [InlineData("data", "arn:aws:s3:::team/data/x", Decision.Allow)]
    [InlineData(null, "arn:aws:s3:::team/company-wide/x", Decision.Allow)]
    [InlineData(null, "arn:aws:s3:::team/data/x", Decision.ImplicitDeny)]
    public void Resource_VariableWithDefault_UsesDefaultWhenKeyMissing(string? team, string resource, Decision expected)
    {
        var tags = team is null ? null : new Dictionary<string, string> { ["team"] = team };
        var principal = PrincipalInfo.User(Account, "alice", "AIDAALICE", tags: tags);
        var set = Identities(Identity(Allow("s3:GetObject", "arn:aws:s3:::team/${aws:PrincipalTag/team, 'company-wide'}/*")));
        Assert.Equal(expected, Decide(set, principal, "s3:GetObject", resource));
    }

    [Theory]
    [InlineData("arn:aws:s3:::b/*", true)]
    [InlineData("arn:aws:s3:::b/anything", false)]
    public void Resource_StarEscape_IsLiteralStar(string resource, bool expected)
    {
        var set = Identities(Identity(Allow("s3:GetObject", "arn:aws:s3:::b/${*}")));
        Assert.Equal(expected ? Decision.Allow : Decision.ImplicitDeny, Decide(set, Alice, "s3:GetObject", resource));
    }

    [Theory]
    [InlineData("what?", true)]
    [InlineData("whatX", false)]
    [InlineData("cost$", true)]
    public void Condition_QuestionAndDollarEscapes_AreLiteral(string request, bool expected)
    {
        var condition = When("StringLike", "test:Key", "what${?}", "cost${$}");
        Assert.Equal(expected, ConditionHolds(condition, Context().Set("test:Key", request)));
    }

    [Fact]
    public void Condition_SubstitutedWildcard_IsLiteral()
    {
        // A tag value of "*" must not turn StringLike into match-everything.
        var principal = PrincipalInfo.User(Account, "alice", "AIDAALICE", tags: new Dictionary<string, string> { ["project"] = "*" });
        var condition = When("StringLike", "test:Project", "${aws:PrincipalTag/project}");
        Assert.False(ConditionHolds(condition, Context().Set("test:Project", "secret"), principal));
        Assert.True(ConditionHolds(condition, Context().Set("test:Project", "*"), principal));
    }

    [Theory]
    [InlineData("StringEquals", false)]
    [InlineData("StringLike", false)]
    [InlineData("StringNotEquals", true)]
    [InlineData("StringNotLike", true)]
    public void Condition_UnresolvedVariable_PositiveFailsNegatedMatches(string op, bool expected)
    {
        var condition = When(op, "test:Key", "${aws:username}");
        Assert.Equal(expected, ConditionHolds(condition, Context().Set("test:Key", "alice"), RoleSession));
    }

    [Fact]
    public void Condition_MultivaluedKeyAsVariable_IsUnresolved()
    {
        var context = Context().Set("test:Many", ["alice"]).Set("test:Key", "alice");
        Assert.False(ConditionHolds(When("StringEquals", "test:Key", "${test:Many}"), context));
    }

    [Fact]
    public void Condition_VariableKeyName_IsCaseInsensitive() =>
        Assert.True(ConditionHolds(When("StringEquals", "test:Key", "${AWS:UserName}"), Context().Set("test:Key", "alice")));

    [Fact]
    public void Condition_NumericOperator_DoesNotSubstituteVariables()
    {
        var policy = Identity(Allow("*", "*", When("NumericEquals", "test:N", "${test:M}")));
        Assert.Single(policy.Errors);
    }

    [Fact]
    public void Condition_ArnLikeWithVariable_MatchesSegmentWise()
    {
        var condition = When("ArnLike", "aws:SourceArn", "arn:aws:iam::*:user/${aws:username}");
        Assert.True(ConditionHolds(condition, Context().Set("aws:SourceArn", "arn:aws:iam::123456789012:user/alice")));
        Assert.False(ConditionHolds(condition, Context().Set("aws:SourceArn", "arn:aws:iam::123456789012:user/bob")));
    }
}
