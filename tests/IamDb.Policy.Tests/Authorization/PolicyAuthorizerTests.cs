using IamDb.Policy.Authorization;
using IamDb.Policy.Compilation;
using IamDb.Policy.Evaluation;
using IamDb.Policy.Explain;
using static IamDb.Policy.Tests.Evaluation.TestPolicies;

namespace IamDb.Policy.Tests.Authorization;

public class PolicyAuthorizerTests
{
    private const string Get = "s3:GetObject";
    private static readonly string AliceArn = $"arn:aws:iam::{Account}:user/alice";
    private static readonly string OpsRoleArn = $"arn:aws:iam::{Account}:role/Ops";
    private static readonly string OpsSessionArn = $"arn:aws:sts::{Account}:assumed-role/Ops/sess";
    private static readonly string AccountRoot = $"arn:aws:iam::{Account}:root";

    private static CompiledPolicy AllowGet => Identity(Allow(Get, Bucket));

    private static CompiledPolicy Resource(params Model.PolicyStatement[] statements) => PolicyOf(PolicyType.ResourceBased, statements);

    private static CompiledPolicy Boundary(params Model.PolicyStatement[] statements) => PolicyOf(PolicyType.PermissionsBoundary, statements);

    private static CompiledPolicy Session(params Model.PolicyStatement[] statements) => PolicyOf(PolicyType.Session, statements);

    private static CompiledPolicy Guardrail(params Model.PolicyStatement[] statements) => PolicyOf(PolicyType.Guardrail, statements);

    // Identity only

    [Fact]
    public void Authorize_NoPolicies_ImplicitDeny() => Assert.Equal(Decision.ImplicitDeny, Decide(new PolicySet(), Alice, Get));

    [Fact]
    public void Authorize_IdentityAllows_Allow() => Assert.Equal(Decision.Allow, Decide(Identities(AllowGet), Alice, Get));

    [Fact]
    public void Authorize_DenyInAnotherIdentityPolicy_ExplicitDeny() =>
        Assert.Equal(Decision.ExplicitDeny, Decide(Identities(AllowGet, Identity(Deny("s3:*"))), Alice, Get));

    [Fact]
    public void Authorize_AllowForOtherAction_ImplicitDeny() =>
        Assert.Equal(Decision.ImplicitDeny, Decide(Identities(AllowGet), Alice, "s3:PutObject"));

    [Fact]
    public void Authorize_NotActionAllow_AllowsEverythingElse()
    {
        var set = Identities(Identity(Allow("iam:*").NotAction()));
        Assert.Equal(Decision.Allow, Decide(set, Alice, Get));
        Assert.Equal(Decision.ImplicitDeny, Decide(set, Alice, "iam:CreateUser", "*"));
    }

    [Fact]
    public void Authorize_NotActionDeny_DeniesEverythingElse()
    {
        // cloudemu#841: a Deny with NotAction must not be under-enforced.
        var set = Identities(Identity(Allow("*"), Deny("iam:*").NotAction()));
        Assert.Equal(Decision.ExplicitDeny, Decide(set, Alice, Get));
        Assert.Equal(Decision.Allow, Decide(set, Alice, "iam:GetUser", "*"));
    }

    [Fact]
    public void Authorize_NotResource_ExcludesListedResources()
    {
        var set = Identities(Identity(Allow(Get, "arn:aws:s3:::secret/*").NotResource()));
        Assert.Equal(Decision.Allow, Decide(set, Alice, Get));
        Assert.Equal(Decision.ImplicitDeny, Decide(set, Alice, Get, "arn:aws:s3:::secret/x"));
    }

    [Fact]
    public void Authorize_ConditionalDeny_AppliesOnlyWhenConditionHolds()
    {
        var set = Identities(AllowGet, Identity(Deny("*", "*", When("Bool", "aws:SecureTransport", "false"))));
        var context = Context();
        context.SecureTransport = false;
        Assert.Equal(Decision.ExplicitDeny, Decide(set, Alice, Get, Bucket, context));
        context.SecureTransport = true;
        Assert.Equal(Decision.Allow, Decide(set, Alice, Get, Bucket, context));
    }

    // Permissions boundary

    [Theory]
    [InlineData(true, true, Decision.Allow)]
    [InlineData(true, false, Decision.ImplicitDeny)]
    [InlineData(false, true, Decision.ImplicitDeny)]
    public void Authorize_IdentityAndBoundary_IsIntersection(bool identity, bool boundary, Decision expected)
    {
        var set = new PolicySet
        {
            IdentityPolicies = identity ? [AllowGet] : [],
            PermissionsBoundary = boundary ? Boundary(Allow("s3:*")) : Boundary(Allow("ec2:*")),
        };
        Assert.Equal(expected, Decide(set, Alice, Get));
    }

    [Fact]
    public void Authorize_DenyInBoundary_ExplicitDeny() =>
        Assert.Equal(Decision.ExplicitDeny, Decide(Identities(AllowGet) with { PermissionsBoundary = Boundary(Allow("*"), Deny(Get)) }, Alice, Get));

    // Session policies

    [Theory]
    [InlineData(true, Decision.Allow)]
    [InlineData(false, Decision.ImplicitDeny)]
    public void Authorize_RoleSessionWithSessionPolicy_IsIntersection(bool sessionAllows, Decision expected)
    {
        var set = Identities(AllowGet) with { SessionPolicies = [Session(Allow(sessionAllows ? "s3:Get*" : "ec2:*"))] };
        Assert.Equal(expected, Decide(set, RoleSession, Get));
    }

    [Fact]
    public void Authorize_RoleSessionWithoutSessionPolicy_IsNotRestricted() =>
        Assert.Equal(Decision.Allow, Decide(Identities(AllowGet), RoleSession, Get));

    [Fact]
    public void Authorize_FederatedUserWithoutSessionPolicy_ImplicitDeny()
    {
        var federated = PrincipalInfo.FederatedUser(Account, "fed", AliceArn);
        Assert.Equal(Decision.ImplicitDeny, Decide(Identities(AllowGet), federated, Get));
        Assert.Equal(Decision.Allow, Decide(Identities(AllowGet) with { SessionPolicies = [Session(Allow("*"))] }, federated, Get));
    }

    [Fact]
    public void Authorize_SessionPoliciesOnIamUser_DoNotRestrict() =>
        Assert.Equal(Decision.Allow, Decide(Identities(AllowGet) with { SessionPolicies = [Session(Allow("ec2:*"))] }, Alice, Get));

    [Fact]
    public void Authorize_SeveralSessionPolicies_AnyAllowSuffices()
    {
        var set = Identities(AllowGet) with { SessionPolicies = [Session(Allow("ec2:*")), Session(Allow("s3:*"))] };
        Assert.Equal(Decision.Allow, Decide(set, RoleSession, Get));
    }

    [Fact]
    public void Authorize_SessionBoundaryIdentity_AllThreeMustAllow()
    {
        var set = new PolicySet
        {
            IdentityPolicies = [AllowGet],
            PermissionsBoundary = Boundary(Allow("s3:*")),
            SessionPolicies = [Session(Allow("s3:*"))],
        };
        Assert.Equal(Decision.Allow, Decide(set, RoleSession, Get));
        Assert.Equal(Decision.ImplicitDeny, Decide(set with { PermissionsBoundary = Boundary(Allow("ec2:*")) }, RoleSession, Get));
    }

    // Guardrails (SCP semantics)

    [Fact]
    public void Authorize_GuardrailAllows_Allow() =>
        Assert.Equal(Decision.Allow, Decide(Identities(AllowGet) with { GuardrailLevels = [[Guardrail(Allow("*"))]] }, Alice, Get));

    [Fact]
    public void Authorize_GuardrailWithoutAllow_ImplicitDenyEvenWithIdentityAllow() =>
        Assert.Equal(Decision.ImplicitDeny, Decide(Identities(AllowGet) with { GuardrailLevels = [[Guardrail(Allow("ec2:*"))]] }, Alice, Get));

    [Fact]
    public void Authorize_EveryGuardrailLevel_MustAllow()
    {
        var set = Identities(AllowGet) with { GuardrailLevels = [[Guardrail(Allow("*"))], [Guardrail(Allow("ec2:*"))]] };
        Assert.Equal(Decision.ImplicitDeny, Decide(set, Alice, Get));
    }

    [Fact]
    public void Authorize_GuardrailDeny_ExplicitDeny() =>
        Assert.Equal(Decision.ExplicitDeny, Decide(Identities(AllowGet) with { GuardrailLevels = [[Guardrail(Allow("*"), Deny("s3:*"))]] }, Alice, Get));

    [Fact]
    public void Authorize_GuardrailDoesNotGrant_IdentityStillNeeded() =>
        Assert.Equal(Decision.ImplicitDeny, Decide(new PolicySet { GuardrailLevels = [[Guardrail(Allow("*"))]] }, Alice, Get));

    [Fact]
    public void Authorize_RootUser_AllowedWithoutPoliciesButSubjectToGuardrails()
    {
        var root = PrincipalInfo.Root(Account);
        Assert.Equal(Decision.Allow, Decide(new PolicySet(), root, Get));
        var guarded = new PolicySet { GuardrailLevels = [[Guardrail(Allow("*"), Deny("s3:*"))]] };
        Assert.Equal(Decision.ExplicitDeny, Decide(guarded, root, Get));
        Assert.Equal(Decision.Allow, Decide(guarded with { GuardrailsExempt = true }, root, Get));
    }

    [Fact]
    public void Authorize_RootUser_DeniedByResourcePolicyDeny()
    {
        var set = new PolicySet { ResourcePolicy = Resource(Deny("s3:*").ForEveryone()) };
        Assert.Equal(Decision.ExplicitDeny, Decide(set, PrincipalInfo.Root(Account), Get));
    }

    // Resource-based policies, same account

    [Fact]
    public void Authorize_ResourcePolicyNamesUser_AllowsWithoutIdentityPolicy() =>
        Assert.Equal(Decision.Allow, Decide(new PolicySet { ResourcePolicy = Resource(Allow(Get, Bucket).For(AliceArn)) }, Alice, Get));

    [Fact]
    public void Authorize_ResourcePolicyNamesUser_NotCappedByBoundary()
    {
        var set = new PolicySet { ResourcePolicy = Resource(Allow(Get, Bucket).For(AliceArn)), PermissionsBoundary = Boundary(Allow("ec2:*")) };
        Assert.Equal(Decision.Allow, Decide(set, Alice, Get));
    }

    [Fact]
    public void Authorize_ResourcePolicyNamesRole_SessionAllowedWithoutIdentityPolicy() =>
        Assert.Equal(Decision.Allow, Decide(new PolicySet { ResourcePolicy = Resource(Allow(Get, Bucket).For(OpsRoleArn)) }, RoleSession, Get));

    [Fact]
    public void Authorize_ResourcePolicyNamesRole_CappedByBoundary()
    {
        var set = new PolicySet { ResourcePolicy = Resource(Allow(Get, Bucket).For(OpsRoleArn)), PermissionsBoundary = Boundary(Allow("ec2:*")) };
        Assert.Equal(Decision.ImplicitDeny, Decide(set, RoleSession, Get));
    }

    [Fact]
    public void Authorize_ResourcePolicyNamesRole_CappedBySessionPolicy()
    {
        var set = new PolicySet { ResourcePolicy = Resource(Allow(Get, Bucket).For(OpsRoleArn)), SessionPolicies = [Session(Allow("ec2:*"))] };
        Assert.Equal(Decision.ImplicitDeny, Decide(set, RoleSession, Get));
    }

    [Fact]
    public void Authorize_ResourcePolicyNamesSession_NotCappedByBoundaryOrSessionPolicy()
    {
        var set = new PolicySet
        {
            ResourcePolicy = Resource(Allow(Get, Bucket).For(OpsSessionArn)),
            PermissionsBoundary = Boundary(Allow("ec2:*")),
            SessionPolicies = [Session(Allow("ec2:*"))],
        };
        Assert.Equal(Decision.Allow, Decide(set, RoleSession, Get));
    }

    [Fact]
    public void Authorize_ResourcePolicyNamesFederatedSession_AllowsDirectly()
    {
        var federated = PrincipalInfo.FederatedUser(Account, "fed", AliceArn);
        var set = new PolicySet { ResourcePolicy = Resource(Allow(Get, Bucket).For(federated.Arn)) };
        Assert.Equal(Decision.Allow, Decide(set, federated, Get));
    }

    [Fact]
    public void Authorize_ResourcePolicyNamesUserWhoFederated_CappedBySession()
    {
        var federated = PrincipalInfo.FederatedUser(Account, "fed", AliceArn);
        var set = new PolicySet { ResourcePolicy = Resource(Allow(Get, Bucket).For(AliceArn)) };
        Assert.Equal(Decision.ImplicitDeny, Decide(set, federated, Get));
        Assert.Equal(Decision.Allow, Decide(set with { SessionPolicies = [Session(Allow("s3:*"))] }, federated, Get));
    }

    [Theory]
    [InlineData(Account)]
    [InlineData("arn:aws:iam::123456789012:root")]
    public void Authorize_ResourcePolicyNamesAccount_DelegatesToIdentityPolicies(string accountPrincipal)
    {
        var set = new PolicySet { ResourcePolicy = Resource(Allow(Get, Bucket).For(accountPrincipal)) };
        Assert.Equal(Decision.ImplicitDeny, Decide(set, Alice, Get));
        Assert.Equal(Decision.Allow, Decide(set with { IdentityPolicies = [AllowGet] }, Alice, Get));
    }

    [Fact]
    public void Authorize_SameAccountIdentityAllowWithoutResourceMention_Allow() =>
        Assert.Equal(Decision.Allow, Decide(Identities(AllowGet) with { ResourcePolicy = Resource(Allow(Get).For("arn:aws:iam::123456789012:user/bob")) }, Alice, Get));

    [Fact]
    public void Authorize_ResourcePolicyDeny_ExplicitDeny() =>
        Assert.Equal(Decision.ExplicitDeny, Decide(Identities(AllowGet) with { ResourcePolicy = Resource(Deny("s3:*").For(AliceArn)) }, Alice, Get));

    [Fact]
    public void Authorize_ResourcePolicyForEveryone_AllowsAnonymous()
    {
        var set = new PolicySet { ResourcePolicy = Resource(Allow(Get, Bucket).ForEveryone()) };
        Assert.Equal(Decision.Allow, Decide(set, PrincipalInfo.Anonymous, Get));
        Assert.Equal(Decision.ImplicitDeny, Decide(new PolicySet(), PrincipalInfo.Anonymous, Get));
    }

    [Fact]
    public void Authorize_ServicePrincipal_MatchedByServiceName()
    {
        var statement = Allow(Get, Bucket) with
        {
            Principal = new Model.PrincipalElement(false, false, [new("Service", (IReadOnlyList<string>)["redshift.amazonaws.com"])]),
        };
        var set = new PolicySet { ResourcePolicy = Resource(statement) };
        Assert.Equal(Decision.Allow, Decide(set, PrincipalInfo.Service("redshift.amazonaws.com"), Get));
        Assert.Equal(Decision.ImplicitDeny, Decide(set, PrincipalInfo.Service("ec2.amazonaws.com"), Get));
    }

    // Cross-account

    [Theory]
    [InlineData(true, true, Decision.Allow)]
    [InlineData(true, false, Decision.ImplicitDeny)]
    [InlineData(false, true, Decision.ImplicitDeny)]
    public void Authorize_CrossAccount_BothSidesMustAllow(bool identity, bool resource, Decision expected)
    {
        var set = new PolicySet
        {
            IdentityPolicies = identity ? [AllowGet] : [],
            ResourcePolicy = Resource(Allow(Get, Bucket).For(resource ? AliceArn : "arn:aws:iam::123456789012:user/bob")),
            ResourceAccountId = OtherAccount,
        };
        Assert.Equal(expected, Decide(set, Alice, Get));
    }

    [Fact]
    public void Authorize_CrossAccountWithoutResourcePolicy_ImplicitDeny()
    {
        var result = Explained(Identities(AllowGet) with { ResourceAccountId = OtherAccount }, Alice, Get);
        Assert.Equal(Decision.ImplicitDeny, result.Decision);
        Assert.Equal([DenialReason.NoResourcePolicyAllows], result.DenialReasons);
    }

    [Fact]
    public void Authorize_CrossAccountNamingTheAccount_NeedsIdentityAllow()
    {
        var set = new PolicySet { ResourcePolicy = Resource(Allow(Get, Bucket).For(Account)), ResourceAccountId = OtherAccount };
        Assert.Equal(Decision.ImplicitDeny, Decide(set, Alice, Get));
        Assert.Equal(Decision.Allow, Decide(set with { IdentityPolicies = [AllowGet] }, Alice, Get));
    }

    [Fact]
    public void Authorize_CrossAccountNamingTheUser_StillCappedByBoundary()
    {
        var set = new PolicySet
        {
            IdentityPolicies = [AllowGet],
            ResourcePolicy = Resource(Allow(Get, Bucket).For(AliceArn)),
            ResourceAccountId = OtherAccount,
            PermissionsBoundary = Boundary(Allow("ec2:*")),
        };
        Assert.Equal(Decision.ImplicitDeny, Decide(set, Alice, Get));
    }

    // Trust policies

    private const string AssumeRole = "sts:AssumeRole";
    private static readonly string TargetRole = $"arn:aws:iam::{Account}:role/Target";

    private static CompiledPolicy Trust(params Model.PolicyStatement[] statements) => PolicyOf(PolicyType.TrustPolicy, statements);

    [Fact]
    public void Authorize_TrustNamesUser_AllowsWithoutIdentityPolicy()
    {
        var set = new PolicySet { ResourcePolicy = Trust(Allow(AssumeRole).NoResource().For(AliceArn)) };
        Assert.Equal(Decision.Allow, Decide(set, Alice, AssumeRole, TargetRole));
    }

    [Fact]
    public void Authorize_TrustNamesAccount_NeedsIdentityAllow()
    {
        var set = new PolicySet { ResourcePolicy = Trust(Allow(AssumeRole).NoResource().For(AccountRoot)) };
        Assert.Equal(Decision.ImplicitDeny, Decide(set, Alice, AssumeRole, TargetRole));
        var withIdentity = set with { IdentityPolicies = [Identity(Allow(AssumeRole, TargetRole))] };
        Assert.Equal(Decision.Allow, Decide(withIdentity, Alice, AssumeRole, TargetRole));
    }

    [Fact]
    public void Authorize_TrustDoesNotName_IdentityAllowIsNotEnough()
    {
        var set = new PolicySet
        {
            IdentityPolicies = [Identity(Allow("sts:*"))],
            ResourcePolicy = Trust(Allow(AssumeRole).NoResource().For("arn:aws:iam::123456789012:user/bob")),
        };
        var result = Explained(set, Alice, AssumeRole, TargetRole);
        Assert.Equal(Decision.ImplicitDeny, result.Decision);
        Assert.Equal([DenialReason.NoResourcePolicyAllows], result.DenialReasons);
    }

    [Fact]
    public void Authorize_TrustWithCondition_EvaluatesContext()
    {
        var set = new PolicySet
        {
            ResourcePolicy = Trust(Allow(AssumeRole).NoResource().For(AliceArn) with
            {
                Conditions = [When("StringEquals", "sts:ExternalId", "xyz")],
            }),
        };
        Assert.Equal(Decision.ImplicitDeny, Decide(set, Alice, AssumeRole, TargetRole));
        Assert.Equal(Decision.Allow, Decide(set, Alice, AssumeRole, TargetRole, Context().Set("sts:ExternalId", "xyz")));
    }

    [Fact]
    public void Authorize_CrossAccountTrust_BothSides()
    {
        var set = new PolicySet
        {
            ResourcePolicy = Trust(Allow(AssumeRole).NoResource().For(Account)),
            ResourceAccountId = OtherAccount,
        };
        var target = $"arn:aws:iam::{OtherAccount}:role/Target";
        Assert.Equal(Decision.ImplicitDeny, Decide(set, Alice, AssumeRole, target));
        Assert.Equal(Decision.Allow, Decide(set with { IdentityPolicies = [Identity(Allow(AssumeRole, target))] }, Alice, AssumeRole, target));
    }

    // NotPrincipal

    [Fact]
    public void Authorize_NotPrincipalDenyListingUserAndAccount_ExcludesUser()
    {
        var set = Identities(AllowGet) with { ResourcePolicy = Resource(Deny("s3:*").NotFor(AliceArn, AccountRoot)) };
        Assert.Equal(Decision.Allow, Decide(set, Alice, Get));
        Assert.Equal(Decision.ExplicitDeny, Decide(set, PrincipalInfo.User(Account, "bob", "AIDABOB"), Get));
    }

    [Fact]
    public void Authorize_NotPrincipalDenyListingOnlyUser_StillDenies() =>
        Assert.Equal(Decision.ExplicitDeny, Decide(Identities(AllowGet) with { ResourcePolicy = Resource(Deny("s3:*").NotFor(AliceArn)) }, Alice, Get));

    [Fact]
    public void Authorize_NotPrincipalDenyListingRoleButNotSession_StillDeniesSession()
    {
        var set = Identities(AllowGet) with { ResourcePolicy = Resource(Deny("s3:*").NotFor(OpsRoleArn, AccountRoot)) };
        Assert.Equal(Decision.ExplicitDeny, Decide(set, RoleSession, Get));
        var listed = Identities(AllowGet) with { ResourcePolicy = Resource(Deny("s3:*").NotFor(OpsRoleArn, OpsSessionArn, AccountRoot)) };
        Assert.Equal(Decision.Allow, Decide(listed, RoleSession, Get));
    }

    [Fact]
    public void Authorize_NotPrincipalDenyWithBoundary_AlwaysDenies()
    {
        // boundaryNotPrincipalDenyResource: NotPrincipal + Deny always denies a principal with a permissions boundary.
        var set = new PolicySet
        {
            IdentityPolicies = [AllowGet],
            PermissionsBoundary = Boundary(Allow("*")),
            ResourcePolicy = Resource(Deny("s3:*").NotFor(AliceArn, AccountRoot)),
        };
        Assert.Equal(Decision.ExplicitDeny, Decide(set, Alice, Get));
        Assert.Equal(Decision.Allow, Decide(set with { PermissionsBoundary = null }, Alice, Get));
    }

    [Fact]
    public void Authorize_NotPrincipalAllow_GrantsEveryoneElse()
    {
        var set = new PolicySet { ResourcePolicy = Resource(Allow(Get, Bucket).NotFor("arn:aws:iam::123456789012:user/bob", AccountRoot)) };
        Assert.Equal(Decision.Allow, Decide(set, Alice, Get));
    }

    // Errors

    [Fact]
    public void Authorize_StatementWithBadOperator_IsSkippedAndReported()
    {
        var policy = Identity(AllowGet.Document.Statements[0], Deny("*", "*", When("StringEqualz", "aws:username", "alice")));
        Assert.Single(policy.Errors);
        var result = Explained(Identities(policy), Alice, Get);
        Assert.Equal(Decision.Allow, result.Decision);
        var error = Assert.Single(result.Errors);
        Assert.Equal(1, error.Statement.StatementIndex);
        Assert.Contains("StringEqualz", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NumericEquals", "ten")]
    [InlineData("DateEquals", "yesterday")]
    [InlineData("Bool", "yes")]
    [InlineData("IpAddress", "300.1.1.1/8")]
    [InlineData("IpAddress", "10.0.0.0/33")]
    [InlineData("BinaryEquals", "not base64!")]
    [InlineData("NullIfExists", "true")]
    [InlineData("ForAnyValue:Null", "true")]
    public void Compile_InvalidConditionValue_RecordsError(string op, string value)
    {
        var policy = Identity(Allow("*", "*", When(op, "test:Key", value)));
        var error = Assert.Single(policy.Errors);
        Assert.Equal(0, error.StatementIndex);
    }

    [Fact]
    public void Compile_IdentityStatementWithPrincipal_RecordsError() =>
        Assert.Single(Identity(Allow("*").For(AliceArn)).Errors);

    [Fact]
    public void Compile_ResourceStatementWithoutPrincipal_RecordsError() =>
        Assert.Single(Resource(Allow("*")).Errors);

    // Parts that could not be loaded (issue 12: missing or unreadable policy parts deny)

    [Fact]
    public void Authorize_UnavailableBoundary_IsExplicitDenyEvenThoughIdentityAllows()
    {
        var set = Identities(AllowGet) with { UnavailablePolicies = [new(PolicyType.PermissionsBoundary, "arn:aws:iam::123456789012:policy/B", "the policy does not exist")] };
        Assert.Equal(Decision.ExplicitDeny, Decide(set, Alice, Get));
    }

    [Fact]
    public void Authorize_UnavailableSessionPolicy_IsNotOverriddenByAResourcePolicyNamingTheSession()
    {
        var set = new PolicySet
        {
            IdentityPolicies = [AllowGet],
            ResourcePolicy = Resource(Allow(Get, Bucket).For(OpsSessionArn)),
            UnavailablePolicies = [new(PolicyType.Session, "arn:aws:iam::123456789012:policy/S", "the policy does not exist")],
        };
        Assert.Equal(Decision.ExplicitDeny, Decide(set, RoleSession, Get));
    }

    [Fact]
    public void Authorize_UnavailableGuardrail_DoesNotBindWhenGuardrailsAreExempt()
    {
        var unavailable = new UnavailablePolicy(PolicyType.Guardrail, "no-s3", "the document no longer parses");
        var member = new PolicySet { UnavailablePolicies = [unavailable], GuardrailLevels = [[Guardrail(Allow("*"))]] };
        var management = member with { GuardrailsExempt = true };
        Assert.Equal(Decision.ExplicitDeny, Decide(member, PrincipalInfo.Root(Account), Get));
        Assert.Equal(Decision.Allow, Decide(management, PrincipalInfo.Root(Account), Get));
    }

    [Fact]
    public void Explain_UnavailablePart_IsListedAndNamedInTheAccessDeniedMessage()
    {
        var set = Identities(AllowGet) with { UnavailablePolicies = [new(PolicyType.PermissionsBoundary, "arn:aws:iam::123456789012:policy/B", "gone")] };
        var request = new AuthorizationRequest(Alice, Get, Bucket, Context());

        var result = PolicyExplainer.Explain(in request, set);

        Assert.Equal(Decision.ExplicitDeny, result.Decision);
        Assert.Equal("gone", Assert.Single(result.UnavailablePolicies).Reason);
        Assert.Equal(
            $"User: {AliceArn} is not authorized to perform: {Get} on resource: {Bucket} because the permissions boundary arn:aws:iam::123456789012:policy/B could not be loaded",
            AccessDeniedMessage.Render(result, in request));
        Assert.Contains("the permissions boundary arn:aws:iam::123456789012:policy/B could not be loaded: gone", ExplanationText.Render(result, in request), StringComparison.Ordinal);
    }
}
