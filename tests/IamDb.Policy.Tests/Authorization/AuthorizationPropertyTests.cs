using System.Net;
using CsCheck;
using IamDb.Policy.Authorization;
using IamDb.Policy.Compilation;
using IamDb.Policy.Evaluation;
using IamDb.Policy.Explain;
using IamDb.Policy.Model;
using static IamDb.Policy.Tests.Evaluation.TestPolicies;

namespace IamDb.Policy.Tests.Authorization;

/// <summary>Algebraic properties of the decision over randomly generated policy sets and requests.</summary>
public class AuthorizationPropertyTests
{
    private const long Iterations = 400;

    private static readonly string AliceArn = $"arn:aws:iam::{Account}:user/alice";

    private static readonly Gen<ConditionEntry[]> GenConditions = Gen.OneOf<ConditionEntry[]>(
        [],
        [],
        [When("StringEquals", "aws:username", "alice")],
        [When("StringNotEquals", "test:K", "v")],
        [When("IpAddress", "aws:SourceIp", "10.0.0.0/8")],
        [When("Null", "test:K", "true")],
        [When("ForAllValues:StringEquals", "test:Tags", "a", "b")],
        [When("BoolIfExists", "aws:SecureTransport", "true"), When("StringLike", "aws:userid", "AIDA*")]);

    private static readonly Gen<PolicyStatement> GenStatement = Gen.Select(
        Gen.Bool,
        Gen.OneOf("s3:GetObject", "s3:Get*", "s3:*", "ec2:*", "*", "iam:List*"),
        Gen.Int[0, 9],
        Gen.OneOf("*", Bucket, "arn:aws:s3:::bucket/*", "arn:aws:s3:::other/*", "arn:aws:s3:::home/${aws:username}/*"),
        Gen.Int[0, 9],
        GenConditions,
        (deny, action, notAction, resource, notResource, conditions) =>
        {
            var s = Statement(deny ? PolicyEffect.Deny : PolicyEffect.Allow, [action], [resource], conditions);
            s = notAction == 0 ? s.NotAction() : s;
            return notResource == 0 ? s.NotResource() : s;
        });

    private static readonly Gen<PolicyStatement> GenResourceStatement = Gen.Select(
        GenStatement,
        Gen.OneOf(AliceArn, $"arn:aws:iam::{Account}:role/Ops", $"arn:aws:sts::{Account}:assumed-role/Ops/sess", Account, "*"),
        (s, principal) => principal == "*" ? s.ForEveryone() : s.For(principal));

    private static readonly Gen<PolicyStatement[]> GenPolicy = GenStatement.Array[0, 4];

    private static readonly Gen<Scenario> GenScenario = Gen.Select(
        GenPolicy.Array[0, 3],
        Gen.Select(GenResourceStatement.Array[1, 3].Null(), Gen.Int[0, 3], GenPolicy.Null(), GenPolicy.Null()),
        GenPolicy.Null(),
        Gen.Select(
            Gen.OneOf(Alice, RoleSession, PrincipalInfo.Root(Account), PrincipalInfo.FederatedUser(Account, "fed", AliceArn)),
            Gen.OneOf("s3:GetObject", "s3:PutObject", "ec2:RunInstances", "iam:ListUsers"),
            Gen.OneOf(Bucket, "arn:aws:s3:::other/x", "arn:aws:s3:::home/alice/x"),
            Gen.Int[0, 7]),
        (identity, resourceSide, guardrail, request) => new Scenario(
            identity,
            resourceSide.Item1,
            resourceSide.Item2 == 0,
            resourceSide.Item3,
            resourceSide.Item4,
            guardrail,
            request.Item1,
            request.Item2,
            request.Item3,
            request.Item4));

    [Fact]
    public void Authorize_FastAndExplainModes_Agree() =>
        GenScenario.Sample(s => s.Fast() == s.Explained().Decision, iter: Iterations, print: s => s.ToString());

    [Fact]
    public void Authorize_AddingDeny_NeverTurnsDenialIntoAllow() =>
        Gen.Select(GenScenario, GenStatement, Gen.Int[0, 3]).Sample(
            t =>
            {
                var (scenario, statement, target) = t;
                var before = scenario.Fast();
                var after = scenario.AddIdentityStatement(statement with { Effect = PolicyEffect.Deny }, target).Fast();
                return before == Decision.Allow || after != Decision.Allow;
            },
            iter: Iterations);

    [Fact]
    public void Authorize_AddingDeny_NeverWeakensExplicitDeny() =>
        Gen.Select(GenScenario, GenStatement, Gen.Int[0, 3]).Sample(
            t => t.Item1.Fast() != Decision.ExplicitDeny
                || t.Item1.AddIdentityStatement(t.Item2 with { Effect = PolicyEffect.Deny }, t.Item3).Fast() == Decision.ExplicitDeny,
            iter: Iterations);

    [Fact]
    public void Authorize_AddingAllow_NeverOverridesExplicitDeny() =>
        Gen.Select(GenScenario, GenStatement, Gen.Int[0, 3]).Sample(
            t => t.Item1.Fast() != Decision.ExplicitDeny
                || t.Item1.AddIdentityStatement(t.Item2 with { Effect = PolicyEffect.Allow }, t.Item3).Fast() == Decision.ExplicitDeny,
            iter: Iterations);

    /// <summary>
    /// Issue 12 (a): a part of the principal's policies that cannot be loaded (deleted boundary, guardrail or session
    /// policy that no longer parses, …) never turns a denial into an Allow. Merely dropping the part would: a boundary
    /// or guardrail that denied, or a session policy that narrowed, would vanish.
    /// </summary>
    [Fact]
    public void Authorize_PartThatCannotBeLoaded_NeverTurnsDenialIntoAllow() =>
        Gen.Select(GenScenario, Gen.Int[0, 3]).Sample(
            t =>
            {
                var (scenario, part) = t;
                var unloaded = scenario.Unload(part);
                return unloaded is null
                       || scenario.Fast() == Decision.Allow
                       || (unloaded.Fast() != Decision.Allow && unloaded.Explained().Decision != Decision.Allow);
            },
            iter: Iterations,
            print: t => $"{t.Item1} part={t.Item2}");

    [Fact]
    public void Authorize_WithAPartThatCannotBeLoaded_FastAndExplainModesAgreeOnExplicitDeny() =>
        Gen.Select(GenScenario, Gen.Int[0, 3]).Sample(
            t => t.Item1.Unload(t.Item2) is not { } unloaded
                 || (unloaded.Fast() == Decision.ExplicitDeny && unloaded.Explained().Decision == Decision.ExplicitDeny
                     && unloaded.Explained().UnavailablePolicies.Count == 1),
            iter: Iterations);

    [Fact]
    public void Authorize_StatementAndPolicyOrder_NeverMatters() =>
        Gen.Select(GenScenario, Gen.Int[0, 1000]).Sample(t => t.Item1.Fast() == t.Item1.Shuffled(t.Item2).Fast(), iter: Iterations);

    /// <summary>One generated policy set plus request, kept as statements so it can be varied and recompiled.</summary>
    private sealed record Scenario(
        PolicyStatement[][] Identity,
        PolicyStatement[]? Resource,
        bool CrossAccount,
        PolicyStatement[]? Boundary,
        PolicyStatement[]? Session,
        PolicyStatement[]? Guardrail,
        PrincipalInfo Principal,
        string Action,
        string ResourceArn,
        int ContextFlags)
    {
        /// <summary>Parts that could not be loaded (by the role they would have played).</summary>
        public PolicyType[] Unavailable { get; init; } = [];

        public PolicySet Build() => new()
        {
            UnavailablePolicies = [.. Unavailable.Select(kind => new UnavailablePolicy(kind, "gone", "test: could not be loaded"))],
            IdentityPolicies = [.. Identity.Select(p => PolicyOf(PolicyType.Identity, p))],
            ResourcePolicy = Resource is null ? null : PolicyOf(PolicyType.ResourceBased, Resource),
            ResourceAccountId = CrossAccount ? OtherAccount : null,
            PermissionsBoundary = Boundary is null ? null : PolicyOf(PolicyType.PermissionsBoundary, Boundary),
            SessionPolicies = Session is null ? [] : [PolicyOf(PolicyType.Session, Session)],
            GuardrailLevels = Guardrail is null ? [] : [[PolicyOf(PolicyType.Guardrail, Guardrail)]],
        };

        public AuthorizationRequest Request()
        {
            var context = Context();
            if ((ContextFlags & 1) != 0)
            {
                context.SourceIp = IPAddress.Parse("10.1.2.3");
            }

            if ((ContextFlags & 2) != 0)
            {
                context.Set("test:K", "v");
            }

            if ((ContextFlags & 4) != 0)
            {
                context.Set("test:Tags", ["a", "c"]);
            }

            return new AuthorizationRequest(Principal, Action, ResourceArn, context);
        }

        public Decision Fast()
        {
            var request = Request();
            return PolicyAuthorizer.Authorize(in request, Build());
        }

        public AuthorizationResult Explained()
        {
            var request = Request();
            return PolicyExplainer.Explain(in request, Build());
        }

        public Scenario AddIdentityStatement(PolicyStatement statement, int target)
        {
            if (target >= Identity.Length)
            {
                return this with { Identity = [.. Identity, [statement]] };
            }

            var copy = Identity.ToArray();
            copy[target] = [.. copy[target], statement];
            return this with { Identity = copy };
        }

        /// <summary>The scenario with one existing part (0 boundary, 1 guardrail, 2 session policy, 3 the first identity
        /// policy) taken out and reported as unavailable, as the broker's loader reports it; null when that part is absent.</summary>
        public Scenario? Unload(int part) => part switch
        {
            0 when Boundary is not null => this with { Boundary = null, Unavailable = [.. Unavailable, PolicyType.PermissionsBoundary] },
            1 when Guardrail is not null => this with { Guardrail = null, Unavailable = [.. Unavailable, PolicyType.Guardrail] },
            2 when Session is not null => this with { Session = null, Unavailable = [.. Unavailable, PolicyType.Session] },
            3 when Identity.Length > 0 => this with { Identity = Identity[1..], Unavailable = [.. Unavailable, PolicyType.Identity] },
            _ => null,
        };

        public Scenario Shuffled(int seed)
        {
            var random = new Random(seed);
            PolicyStatement[]? Mix(PolicyStatement[]? statements) => statements?.OrderBy(_ => random.Next()).ToArray();
            return this with
            {
                Identity = [.. Identity.Select(p => Mix(p)!).OrderBy(_ => random.Next())],
                Resource = Mix(Resource),
                Boundary = Mix(Boundary),
                Session = Mix(Session),
                Guardrail = Mix(Guardrail),
            };
        }

        public override string ToString() =>
            $"{Principal.Arn} {Action} {ResourceArn} flags={ContextFlags} identity={Identity.Length} resource={Resource?.Length} cross={CrossAccount} "
            + $"boundary={Boundary?.Length} session={Session?.Length} guardrail={Guardrail?.Length}";
    }
}
