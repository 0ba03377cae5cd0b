using IamDb.Policy.Authorization;
using IamDb.Policy.Compilation;
using IamDb.Policy.Evaluation;
using IamDb.Policy.Explain;
using IamDb.Policy.Model;
using Microsoft.Extensions.Time.Testing;

namespace IamDb.Policy.Tests.Evaluation;

/// <summary>Terse builders for policy documents and requests (the JSON parser lives elsewhere).</summary>
internal static class TestPolicies
{
    public const string Account = "123456789012";
    public const string OtherAccount = "999999999999";
    public const string Bucket = "arn:aws:s3:::bucket/key";

    public static readonly DateTimeOffset Now = new(2024, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public static PrincipalInfo Alice { get; } = PrincipalInfo.User(Account, "alice", "AIDAALICE");

    public static PrincipalInfo RoleSession { get; } = PrincipalInfo.AssumedRole(Account, "Ops", "AROAOPS", "sess");

    public static ConditionEntry When(string op, string key, params string[] values) => new(op, key, values);

    public static PolicyStatement Allow(string action, string resource = "*", params ConditionEntry[] conditions) =>
        Statement(PolicyEffect.Allow, [action], [resource], conditions);

    public static PolicyStatement Deny(string action, string resource = "*", params ConditionEntry[] conditions) =>
        Statement(PolicyEffect.Deny, [action], [resource], conditions);

    public static PolicyStatement Statement(PolicyEffect effect, string[] actions, string[]? resources, params ConditionEntry[] conditions) =>
        new(null, effect, new ActionElement(false, actions), resources is null ? null : new ResourceElement(false, resources), null, conditions);

    public static PolicyStatement WithSid(this PolicyStatement s, string sid) => s with { Sid = sid };

    public static PolicyStatement NotAction(this PolicyStatement s) => s with { Action = s.Action with { IsNot = true } };

    public static PolicyStatement NotResource(this PolicyStatement s) => s with { Resource = s.Resource! with { IsNot = true } };

    public static PolicyStatement NoResource(this PolicyStatement s) => s with { Resource = null };

    public static PolicyStatement For(this PolicyStatement s, params string[] awsPrincipals) =>
        s with { Principal = Principals(false, awsPrincipals) };

    public static PolicyStatement ForEveryone(this PolicyStatement s) => s with { Principal = new PrincipalElement(false, true, []) };

    public static PolicyStatement NotFor(this PolicyStatement s, params string[] awsPrincipals) =>
        s with { Principal = Principals(true, awsPrincipals) };

    public static PolicyDocument Document(params PolicyStatement[] statements) => new(PolicyDocument.Version2012, null, statements);

    public static CompiledPolicy PolicyOf(PolicyKind kind, params PolicyStatement[] statements) =>
        CompiledPolicy.Compile(Document(statements), kind, kind + "Policy");

    public static CompiledPolicy Identity(params PolicyStatement[] statements) => PolicyOf(PolicyKind.Identity, statements);

    public static CompiledPolicy Managed(string name, params PolicyStatement[] statements) =>
        CompiledPolicy.Compile(Document(statements), PolicyKind.Identity, name, $"arn:aws:iam::{Account}:policy/{name}");

    public static RequestContext Context() => new(new FakeTimeProvider(Now));

    public static PolicySet Identities(params CompiledPolicy[] policies) => new() { IdentityPolicies = [.. policies] };

    /// <summary>Decides with both modes and asserts they agree.</summary>
    public static Decision Decide(PolicySet set, PrincipalInfo principal, string action, string resource = Bucket, RequestContext? context = null)
    {
        var request = new AuthorizationRequest(principal, action, resource, context ?? Context());
        var fast = PolicyAuthorizer.Authorize(in request, set);
        var explained = PolicyExplainer.Explain(in request, set);
        Assert.Equal(fast, explained.Decision);
        return fast;
    }

    public static AuthorizationResult Explained(PolicySet set, PrincipalInfo principal, string action, string resource = Bucket, RequestContext? context = null)
    {
        var request = new AuthorizationRequest(principal, action, resource, context ?? Context());
        var result = PolicyExplainer.Explain(in request, set);
        Assert.Equal(PolicyAuthorizer.Authorize(in request, set), result.Decision);
        return result;
    }

    /// <summary>Whether a single condition holds: an identity policy allowing only under that condition.</summary>
    public static bool ConditionHolds(ConditionEntry condition, RequestContext context, PrincipalInfo? principal = null)
    {
        var policy = Identity(Allow("test:Act", "*", condition));
        Assert.Empty(policy.Errors);
        return Decide(Identities(policy), principal ?? Alice, "test:Act", "*", context) == Decision.Allow;
    }

    private static PrincipalElement Principals(bool isNot, string[] values) =>
        new(isNot, false, [new KeyValuePair<string, IReadOnlyList<string>>("AWS", values)]);
}
