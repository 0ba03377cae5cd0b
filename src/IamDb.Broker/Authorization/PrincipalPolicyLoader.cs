using System.Collections.Immutable;
using IamDb.Broker.Actions;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;
using IamDb.Policy.Authorization;
using IamDb.Policy.Compilation;
using IamDb.Policy.Evaluation;
using ParsedKind = IamDb.Policy.Parsing.PolicyKind;

namespace IamDb.Broker.Authorization;

/// <summary>The caller as the policy engine sees it, with every policy that applies to it.</summary>
/// <param name="Principal">The principal (ARN, ids, tags).</param>
/// <param name="Policies">Identity policies, boundary, session policies and guardrails.</param>
internal sealed record PrincipalPolicies(PrincipalInfo Principal, PolicySet Policies);

/// <summary>
/// Reads a caller's policies from the store in one snapshot: a user's inline and attached policies and those of its
/// groups, or a role's plus the session's policies; the permissions boundary; the account's guardrails.
/// </summary>
internal sealed class PrincipalPolicyLoader(CompiledPolicyCache cache)
{
    public Task<PrincipalPolicies> LoadAsync(IStateStore store, CallerIdentity caller, CancellationToken ct) =>
        store.ReadAsync((reader, token) => LoadAsync(reader, caller, token), ct);

    public async Task<PrincipalPolicies> LoadAsync(IStateReader reader, CallerIdentity caller, CancellationToken ct)
    {
        var guardrails = await LoadGuardrailsAsync(reader, caller.AccountId, ct);
        switch (caller.Kind)
        {
            case CallerKind.User or CallerKind.UserSession when caller.UserName is not null:
                var user = await reader.Users.GetByIdAsync(caller.UserId, ct)
                           ?? throw new NoSuchEntityException($"The user with name {caller.UserName} cannot be found.");
                return await LoadUserAsync(reader, user, guardrails, ct);
            case CallerKind.AssumedRole:
                return await LoadRoleSessionAsync(reader, caller, guardrails, ct);
            default:
                return new PrincipalPolicies(
                    PrincipalInfo.Root(caller.AccountId),
                    new PolicySet { GuardrailLevels = guardrails, GuardrailsExempt = true });
        }
    }

    /// <summary>The policies of an IAM user (SimulatePrincipalPolicy uses it too).</summary>
    public async Task<PrincipalPolicies> LoadUserAsync(
        IStateReader reader, IamUser user, ImmutableArray<ImmutableArray<CompiledPolicy>> guardrails, CancellationToken ct)
    {
        var identity = ImmutableArray.CreateBuilder<CompiledPolicy>();
        await AddInlineAsync(reader, user.UserId, ParsedKind.InlineUser, identity, ct);
        await AddAttachedAsync(reader, user.UserId, identity, ct);
        foreach (var group in await Pages.ReadAllAsync(page => reader.Groups.ListGroupsForUserAsync(user.UserId, page, ct)))
        {
            await AddInlineAsync(reader, group.GroupId, ParsedKind.InlineGroup, identity, ct);
            await AddAttachedAsync(reader, group.GroupId, identity, ct);
        }

        var boundary = await LoadManagedAsync(reader, user.PermissionsBoundaryArn, ParsedKind.PermissionsBoundary, PolicyType.PermissionsBoundary, ct);
        var principal = PrincipalInfo.User(
            user.AccountId, user.UserName, user.UserId, user.Path, TagMap(user.Tags, []), user.PermissionsBoundaryArn is not null);
        return new PrincipalPolicies(principal, new PolicySet
        {
            IdentityPolicies = identity.ToImmutable(),
            PermissionsBoundary = boundary,
            GuardrailLevels = guardrails,
        });
    }

    /// <summary>The policies of a role (without a session), for SimulatePrincipalPolicy.</summary>
    public async Task<(ImmutableArray<CompiledPolicy> Identity, CompiledPolicy? Boundary)> LoadRoleAsync(IStateReader reader, IamRole role, CancellationToken ct)
    {
        var identity = ImmutableArray.CreateBuilder<CompiledPolicy>();
        await AddInlineAsync(reader, role.RoleId, ParsedKind.InlineRole, identity, ct);
        await AddAttachedAsync(reader, role.RoleId, identity, ct);
        var boundary = await LoadManagedAsync(reader, role.PermissionsBoundaryArn, ParsedKind.PermissionsBoundary, PolicyType.PermissionsBoundary, ct);
        return (identity.ToImmutable(), boundary);
    }

    /// <summary>The policies of a group, for SimulatePrincipalPolicy.</summary>
    public async Task<ImmutableArray<CompiledPolicy>> LoadGroupAsync(IStateReader reader, IamGroup group, CancellationToken ct)
    {
        var identity = ImmutableArray.CreateBuilder<CompiledPolicy>();
        await AddInlineAsync(reader, group.GroupId, ParsedKind.InlineGroup, identity, ct);
        await AddAttachedAsync(reader, group.GroupId, identity, ct);
        return identity.ToImmutable();
    }

    public async Task<ImmutableArray<ImmutableArray<CompiledPolicy>>> LoadGuardrailsAsync(IStateReader reader, string accountId, CancellationToken ct)
    {
        var stored = await reader.Guardrails.ListAsync(accountId, ct);
        if (stored.Count == 0)
        {
            return [];
        }

        var level = ImmutableArray.CreateBuilder<CompiledPolicy>(stored.Count);
        foreach (var guardrail in stored)
        {
            if (cache.Get(guardrail.Document, ParsedKind.Guardrail, PolicyType.Guardrail, guardrail.Name, null) is { } compiled)
            {
                level.Add(compiled);
            }
        }

        return [level.ToImmutable()];
    }

    /// <summary>The trust policy of a role, compiled for <c>sts:AssumeRole</c>.</summary>
    public CompiledPolicy? CompileTrustPolicy(IamRole role) =>
        cache.Get(role.AssumeRolePolicyDocument, ParsedKind.Trust, PolicyType.TrustPolicy, role.RoleName + " trust policy", role.Arn);

    /// <summary>Compiles a document in the given role (SimulateCustomPolicy's inputs, session policies).</summary>
    public CompiledPolicy? Compile(string document, ParsedKind parseAs, PolicyType role, string name, string? arn = null) =>
        cache.Get(document, parseAs, role, name, arn);

    private async Task<PrincipalPolicies> LoadRoleSessionAsync(
        IStateReader reader, CallerIdentity caller, ImmutableArray<ImmutableArray<CompiledPolicy>> guardrails, CancellationToken ct)
    {
        var session = caller.SessionAccessKeyId is { } keyId ? await reader.Sessions.GetAsync(keyId, ct) : null;
        var role = session?.RoleId is { } roleId ? await reader.Roles.GetByIdAsync(roleId, ct) : null;
        if (session is null || role is null)
        {
            // The role was deleted under a live session: the session keeps no permissions (AWS behaves the same).
            return new PrincipalPolicies(
                new PrincipalInfo(PrincipalType.AssumedRole, caller.Arn, caller.AccountId, caller.UserId, roleArn: caller.PrincipalEntityArn),
                new PolicySet { GuardrailLevels = guardrails });
        }

        var (identity, boundary) = await LoadRoleAsync(reader, role, ct);
        var sessionPolicies = ImmutableArray.CreateBuilder<CompiledPolicy>();
        if (session.SessionPolicy is { } inline && cache.Get(inline, ParsedKind.Session, PolicyType.Session, "session policy", null) is { } compiledInline)
        {
            sessionPolicies.Add(compiledInline);
        }

        foreach (var arn in session.SessionPolicyArns)
        {
            if (await LoadManagedAsync(reader, arn, ParsedKind.Identity, PolicyType.Session, ct) is { } managed)
            {
                sessionPolicies.Add(managed);
            }
        }

        var principal = PrincipalInfo.AssumedRole(
            role.AccountId,
            role.RoleName,
            role.RoleId,
            session.RoleSessionName ?? "session",
            role.Path,
            TagMap(role.Tags, session.SessionTags),
            role.PermissionsBoundaryArn is not null);
        return new PrincipalPolicies(principal, new PolicySet
        {
            IdentityPolicies = identity,
            PermissionsBoundary = boundary,
            SessionPolicies = sessionPolicies.ToImmutable(),
            GuardrailLevels = guardrails,
        });
    }

    private async Task AddInlineAsync(IStateReader reader, string principalId, ParsedKind kind, ImmutableArray<CompiledPolicy>.Builder into, CancellationToken ct)
    {
        foreach (var policy in await Pages.ReadAllAsync(page => reader.InlinePolicies.ListAsync(principalId, page, ct)))
        {
            if (cache.Get(policy.Document, kind, PolicyType.Identity, policy.PolicyName, null) is { } compiled)
            {
                into.Add(compiled);
            }
        }
    }

    private async Task AddAttachedAsync(IStateReader reader, string principalId, ImmutableArray<CompiledPolicy>.Builder into, CancellationToken ct)
    {
        foreach (var attached in await Pages.ReadAllAsync(page => reader.Policies.ListAttachedAsync(principalId, null, page, ct)))
        {
            if (await LoadManagedAsync(reader, attached.PolicyArn, ParsedKind.Identity, PolicyType.Identity, ct) is { } compiled)
            {
                into.Add(compiled);
            }
        }
    }

    private async Task<CompiledPolicy?> LoadManagedAsync(IStateReader reader, string? policyArn, ParsedKind parseAs, PolicyType role, CancellationToken ct)
    {
        if (policyArn is null)
        {
            return null;
        }

        var version = await reader.Policies.GetDefaultVersionAsync(policyArn, ct);
        if (version is null)
        {
            return null;
        }

        var name = policyArn[(policyArn.LastIndexOf('/') + 1)..];
        return cache.Get(version.Document, parseAs, role, name, policyArn);
    }


    private static Dictionary<string, string> TagMap(IReadOnlyList<Tag> entityTags, IReadOnlyList<Tag> sessionTags)
    {
        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var tag in entityTags)
        {
            tags[tag.Key] = tag.Value;
        }

        // Session tags override role tags with the same key (AWS: "session tags override role tags").
        foreach (var tag in sessionTags)
        {
            tags[tag.Key] = tag.Value;
        }

        return tags;
    }
}
