using System.Globalization;
using CsCheck;
using IamDb.Aws.Arns;
using IamDb.Aws.Identifiers;
using IamDb.Broker.Actions;
using IamDb.Broker.Requests;
using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;
using IamDb.Broker.Tests.Support;

namespace IamDb.Broker.Tests.Security;

/// <summary>
/// Issue 12, property (a), through the broker's own path: random users and role sessions are written to a real broker's
/// store, then the same principal again with one part (boundary, guardrail, inline or managed session policy, attached
/// or inline identity policy) deleted while still referenced or replaced by a document that no longer parses. The
/// decisions come from the broker's authorizer (loader → PolicySet → decision). Making a part unloadable never turns a
/// denial into an Allow; in fact such a principal is denied everything, with the reason in the audit decisions.
/// </summary>
public sealed class MissingPolicyPartPropertyTests
{
    private const string Unparsable = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\"";

    private static readonly string[] Actions = ["iam:ListUsers", "iam:GetUser", "iam:CreateUser", "sts:GetSessionToken"];

    private static readonly Gen<string> GenStatement = Gen.Select(
        Gen.Int[0, 3],
        Gen.OneOf("iam:ListUsers", "iam:Get*", "iam:*", "*", "sts:*", "iam:CreateUser"),
        (effect, action) => $$"""{"Effect":"{{(effect == 0 ? "Deny" : "Allow")}}","Action":"{{action}}","Resource":"*"}""");

    private static readonly Gen<string> GenPolicy = GenStatement.Array[1, 3].Select(
        statements => $$"""{"Version":"2012-10-17","Statement":[{{string.Join(",", statements)}}]}""");

    private static readonly Gen<Scenario> GenScenario = Gen.Select(
        Gen.Bool,
        GenPolicy,
        GenPolicy.Null(),
        GenPolicy.Null(),
        GenPolicy.Null(),
        Gen.Select(GenPolicy.Null(), GenPolicy.Null(), Gen.Int[0, 1]),
        (isRole, inline, attached, boundary, guardrail, session) =>
            new Scenario(isRole, inline, attached, boundary, guardrail, isRole ? session.Item1 : null, isRole ? session.Item2 : null, session.Item3 == 0));

    private static int _accounts;

    private enum Part
    {
        InlineIdentity,
        AttachedIdentity,
        Boundary,
        Guardrail,
        InlineSession,
        ManagedSession,
    }

    [Fact]
    public async Task UnloadablePart_NeverTurnsADenialIntoAnAllow()
    {
        await using var broker = await TestBroker.StartAsync();
        await GenScenario.SampleAsync(
            async scenario =>
            {
                var before = await DecideAsync(broker, await MaterializeAsync(broker, scenario, null));
                foreach (var part in scenario.Present())
                {
                    var caller = await MaterializeAsync(broker, scenario, part);
                    var after = await DecideAsync(broker, caller);
                    for (var i = 0; i < Actions.Length; i++)
                    {
                        Assert.False(!before[i].Allowed && after[i].Allowed, $"{part} unloadable turned a denial of {Actions[i]} into an Allow");

                        // Stronger, as built: a principal with an unloadable part is denied everything, and the audit says why.
                        Assert.False(after[i].Allowed, $"{part} unloadable: {Actions[i]} was allowed");
                        Assert.Contains("could not be loaded", after[i].Decision, StringComparison.Ordinal);
                    }
                }
            },
            iter: 40,
            threads: 1,
            print: s => s.ToString());
    }

    private static async Task<List<(bool Allowed, string Decision)>> DecideAsync(TestBroker broker, CallerIdentity caller)
    {
        var decisions = new List<(bool, string)>(Actions.Length);
        foreach (var action in Actions)
        {
            var authorization = TestContexts.AuthorizationFor(broker, caller);
            var decision = await authorization.DecideAsync(action, "*", null, null, TestContext.Current.CancellationToken);
            decisions.Add((decision.IsAllowed, string.Join(" | ", authorization.Decisions.Select(d => d.AuditText))));
        }

        return decisions;
    }

    /// <summary>Writes the scenario's principal (a user, or a role with a live session) under a fresh account, with
    /// <paramref name="unload"/> (if any) deleted-while-referenced or unparsable, and returns the caller.</summary>
    private static async Task<CallerIdentity> MaterializeAsync(TestBroker broker, Scenario s, Part? unload)
    {
        var ids = IdentifierGenerator.Shared;
        var account = (100_000_000_000L + Interlocked.Increment(ref _accounts)).ToString(CultureInfo.InvariantCulture);
        var now = broker.Time.GetUtcNow();
        var kind = s.IsRole ? PrincipalKind.Role : PrincipalKind.User;
        var principalId = s.IsRole ? ids.NewRoleId() : ids.NewUserId();
        var name = s.IsRole ? "Role" : "user";
        var entityArn = s.IsRole ? Arn.IamRole(account, "/", name).ToString() : Arn.IamUser(account, "/", name).ToString();
        var keyId = ids.NewTemporaryAccessKeyId();
        var sessionArn = Arn.StsAssumedRole(account, name, "s").ToString();

        await broker.Store.WriteAsync(
            async Task (w, ct) =>
            {
                // A managed policy, or (when it is the part being unloaded) its ARN without the policy or with a bad document.
                async Task<string?> ManagedAsync(string? document, string policyName, Part part)
                {
                    if (document is null)
                    {
                        return null;
                    }

                    var arn = Arn.IamPolicy(account, "/", policyName).ToString();
                    if (unload == part && s.Vanish)
                    {
                        return arn;
                    }

                    var text = unload == part ? Unparsable : document;
                    await w.Policies.CreateAsync(new ManagedPolicy(account, ids.NewPolicyId(), policyName, "/", arn, "v1", now, now), text, ct);
                    return arn;
                }

                var attached = await ManagedAsync(s.Attached, "attached", Part.AttachedIdentity);
                var boundary = await ManagedAsync(s.Boundary, "boundary", Part.Boundary);
                var sessionManaged = await ManagedAsync(s.SessionManaged, "session", Part.ManagedSession);
                if (s.IsRole)
                {
                    var trust = StoreSeed.TrustPolicyFor($"arn:aws:iam::{account}:root");
                    await w.Roles.CreateAsync(new IamRole(account, principalId, name, "/", entityArn, now, trust) { PermissionsBoundaryArn = boundary }, ct);
                    await w.Sessions.CreateAsync(
                        new StsSession(keyId, account, new SecretString(ids.NewSecretAccessKey()), System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), SessionKind.AssumedRole, sessionArn, now, now.AddHours(1))
                        {
                            RoleArn = entityArn,
                            RoleId = principalId,
                            RoleSessionName = "s",
                            SessionPolicy = s.SessionInline is null ? null : unload == Part.InlineSession ? Unparsable : s.SessionInline,
                            SessionPolicyArns = sessionManaged is null ? [] : [sessionManaged],
                        },
                        ct);
                }
                else
                {
                    await w.Users.CreateAsync(new IamUser(account, principalId, name, "/", entityArn, now) { PermissionsBoundaryArn = boundary }, ct);
                }

                await w.InlinePolicies.PutAsync(
                    account, kind, new InlinePolicy(principalId, "identity", unload == Part.InlineIdentity ? Unparsable : s.Inline), ct);
                if (attached is not null)
                {
                    await w.Policies.AttachAsync(account, kind, principalId, attached, ct);
                }

                if (s.Guardrail is not null)
                {
                    var document = unload == Part.Guardrail ? Unparsable : s.Guardrail;
                    await w.Guardrails.PutAsync(new GuardrailPolicy(account, "guardrail", document, now, now), ct);
                }
            },
            TestContext.Current.CancellationToken);

        return s.IsRole
            ? new CallerIdentity
            {
                Kind = CallerKind.AssumedRole,
                AccountId = account,
                Arn = sessionArn,
                UserId = principalId + ":s",
                AccessKeyId = keyId,
                RoleName = name,
                SessionName = "s",
                PrincipalEntityArn = entityArn,
                SessionAccessKeyId = keyId,
            }
            : new CallerIdentity
            {
                Kind = CallerKind.User,
                AccountId = account,
                Arn = entityArn,
                UserId = principalId,
                AccessKeyId = ids.NewLongTermAccessKeyId(),
                UserName = name,
                PrincipalEntityArn = entityArn,
            };
    }

    /// <summary>One principal's policies as documents; <see cref="Vanish"/> picks how a managed part becomes unloadable
    /// (deleted while referenced, or a default version that no longer parses).</summary>
    private sealed record Scenario(
        bool IsRole, string Inline, string? Attached, string? Boundary, string? Guardrail, string? SessionInline, string? SessionManaged, bool Vanish)
    {
        public IEnumerable<Part> Present()
        {
            yield return Part.InlineIdentity;
            if (Attached is not null)
            {
                yield return Part.AttachedIdentity;
            }

            if (Boundary is not null)
            {
                yield return Part.Boundary;
            }

            if (Guardrail is not null)
            {
                yield return Part.Guardrail;
            }

            if (SessionInline is not null)
            {
                yield return Part.InlineSession;
            }

            if (SessionManaged is not null)
            {
                yield return Part.ManagedSession;
            }
        }

        public override string ToString() =>
            $"{(IsRole ? "role session" : "user")} inline={Inline} attached={Attached} boundary={Boundary} guardrail={Guardrail} "
            + $"sessionInline={SessionInline} sessionManaged={SessionManaged} vanish={Vanish}";
    }
}
