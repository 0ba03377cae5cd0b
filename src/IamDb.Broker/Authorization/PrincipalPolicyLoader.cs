using System.Collections.Immutable;
using IamDb.Broker.Requests;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;
using IamDb.Policy.Authorization;
using IamDb.Policy.Compilation;
using IamDb.Policy.Evaluation;
using ParsedKind = IamDb.Policy.Parsing.PolicyKind;

namespace IamDb.Broker.Authorization;

/// <summary>The caller as the policy engine sees it, with every policy that applies to it.</summary>
/// <param name="Principal">The principal (ARN, ids, tags).</param>
/// <param name="Policies">Identity policies, boundary, session policies and guardrails, and the parts that could not
/// be loaded (<see cref="PolicySet.UnavailablePolicies"/>: any of them denies).</param>
internal sealed record PrincipalPolicies(PrincipalInfo Principal, PolicySet Policies);

/// <summary>The account's guardrails, compiled, and those that no longer parse.</summary>
/// <param name="Levels">One level with every guardrail that compiled; empty when the account has none.</param>
/// <param name="Unavailable">Guardrails that could not be compiled: they deny (unless guardrails do not apply).</param>
internal sealed record GuardrailSet(ImmutableArray<ImmutableArray<CompiledPolicy>> Levels, ImmutableArray<UnavailablePolicy> Unavailable)
{
    public static readonly GuardrailSet None = new([], []);
}

/// <summary>
/// Reads a caller's policies from the store in one snapshot: a user's inline and attached policies and those of its
/// groups, or a role's plus the session's policies; the permissions boundary; the account's guardrails. A part that is
/// referenced but cannot be loaded (a deleted boundary or session policy, a missing default version, a document that no
/// longer parses or compiles) is not skipped: it is listed in <see cref="PolicySet.UnavailablePolicies"/>, which denies.
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
            case CallerKind.TokenBearer:
                // Nobody signed: no identity side at all (never the root default below); only a resource policy can allow.
                return new PrincipalPolicies(PrincipalInfo.Anonymous, new PolicySet());
            default:
                return new PrincipalPolicies(
                    PrincipalInfo.Root(caller.AccountId),
                    new PolicySet { GuardrailLevels = guardrails.Levels, UnavailablePolicies = guardrails.Unavailable, GuardrailsExempt = true });
        }
    }

    /// <summary>The policies of an IAM user, with those of its groups.</summary>
    public async Task<PrincipalPolicies> LoadUserAsync(IStateReader reader, IamUser user, GuardrailSet guardrails, CancellationToken ct)
    {
        var parts = new Parts(guardrails);
        await AddInlineAsync(reader, user.UserId, ParsedKind.InlineUser, parts, ct);
        await AddAttachedAsync(reader, user.UserId, parts, ct);
        foreach (var group in await Pages.ReadAllAsync(page => reader.Groups.ListGroupsForUserAsync(user.UserId, page, ct)))
        {
            await AddInlineAsync(reader, group.GroupId, ParsedKind.InlineGroup, parts, ct);
            await AddAttachedAsync(reader, group.GroupId, parts, ct);
        }

        var boundary = await LoadBoundaryAsync(reader, user.PermissionsBoundaryArn, parts, ct);
        var principal = PrincipalInfo.User(
            user.AccountId, user.UserName, user.UserId, user.Path, TagMap(user.Tags, []), user.PermissionsBoundaryArn is not null);
        return new PrincipalPolicies(principal, new PolicySet
        {
            IdentityPolicies = parts.Identity.ToImmutable(),
            PermissionsBoundary = boundary,
            GuardrailLevels = guardrails.Levels,
            UnavailablePolicies = parts.Unavailable.ToImmutable(),
        });
    }

    public async Task<GuardrailSet> LoadGuardrailsAsync(IStateReader reader, string accountId, CancellationToken ct)
    {
        var stored = await reader.Guardrails.ListAsync(accountId, ct);
        if (stored.Count == 0)
        {
            return GuardrailSet.None;
        }

        var level = ImmutableArray.CreateBuilder<CompiledPolicy>(stored.Count);
        var unavailable = ImmutableArray<UnavailablePolicy>.Empty;
        foreach (var guardrail in stored)
        {
            var entry = cache.Get(guardrail.Document, ParsedKind.Guardrail, PolicyType.Guardrail, guardrail.Name, null);
            if (entry.Policy is { } compiled)
            {
                level.Add(compiled);
            }
            else
            {
                unavailable = unavailable.Add(new UnavailablePolicy(PolicyType.Guardrail, guardrail.Name, entry.Problem!));
            }
        }

        return new GuardrailSet([level.ToImmutable()], unavailable);
    }

    /// <summary>Compiles a document in the given role (a trust or resource policy); the entry says why when it cannot.</summary>
    public CompiledEntry Compile(string document, ParsedKind parseAs, PolicyType role, string name, string? arn = null) =>
        cache.Get(document, parseAs, role, name, arn);

    private async Task<PrincipalPolicies> LoadRoleSessionAsync(IStateReader reader, CallerIdentity caller, GuardrailSet guardrails, CancellationToken ct)
    {
        var session = caller.SessionAccessKeyId is { } keyId ? await reader.Sessions.GetAsync(keyId, ct) : null;
        var role = session?.RoleId is { } roleId ? await reader.Roles.GetByIdAsync(roleId, ct) : null;
        if (session is null || role is null)
        {
            // The role was deleted under a live session: the session keeps no permissions (AWS behaves the same).
            return new PrincipalPolicies(
                new PrincipalInfo(PrincipalType.AssumedRole, caller.Arn, caller.AccountId, caller.UserId, roleArn: caller.PrincipalEntityArn),
                new PolicySet { GuardrailLevels = guardrails.Levels, UnavailablePolicies = guardrails.Unavailable });
        }

        var parts = new Parts(guardrails);
        await AddInlineAsync(reader, role.RoleId, ParsedKind.InlineRole, parts, ct);
        await AddAttachedAsync(reader, role.RoleId, parts, ct);
        var boundary = await LoadBoundaryAsync(reader, role.PermissionsBoundaryArn, parts, ct);
        var sessionPolicies = ImmutableArray.CreateBuilder<CompiledPolicy>();
        if (session.SessionPolicy is { } inline)
        {
            var entry = cache.Get(inline, ParsedKind.Session, PolicyType.Session, "session policy", null);
            if (entry.Policy is { } compiled)
            {
                sessionPolicies.Add(compiled);
            }
            else
            {
                parts.Unavailable.Add(new UnavailablePolicy(PolicyType.Session, "inline session policy", entry.Problem!));
            }
        }

        foreach (var arn in session.SessionPolicyArns)
        {
            if (await LoadManagedAsync(reader, arn, ParsedKind.Identity, PolicyType.Session, parts, ct) is { } managed)
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
            IdentityPolicies = parts.Identity.ToImmutable(),
            PermissionsBoundary = boundary,
            SessionPolicies = sessionPolicies.ToImmutable(),
            GuardrailLevels = guardrails.Levels,
            UnavailablePolicies = parts.Unavailable.ToImmutable(),
        });
    }

    private async Task AddInlineAsync(IStateReader reader, string principalId, ParsedKind kind, Parts parts, CancellationToken ct)
    {
        foreach (var policy in await Pages.ReadAllAsync(page => reader.InlinePolicies.ListAsync(principalId, page, ct)))
        {
            var entry = cache.Get(policy.Document, kind, PolicyType.Identity, policy.PolicyName, null);
            if (entry.Policy is { } compiled)
            {
                parts.Identity.Add(compiled);
            }
            else
            {
                parts.Unavailable.Add(new UnavailablePolicy(PolicyType.Identity, policy.PolicyName, entry.Problem!));
            }
        }
    }

    private async Task AddAttachedAsync(IStateReader reader, string principalId, Parts parts, CancellationToken ct)
    {
        foreach (var attached in await Pages.ReadAllAsync(page => reader.Policies.ListAttachedAsync(principalId, null, page, ct)))
        {
            if (await LoadManagedAsync(reader, attached.PolicyArn, ParsedKind.Identity, PolicyType.Identity, parts, ct) is { } compiled)
            {
                parts.Identity.Add(compiled);
            }
        }
    }

    private Task<CompiledPolicy?> LoadBoundaryAsync(IStateReader reader, string? boundaryArn, Parts parts, CancellationToken ct) =>
        boundaryArn is null
            ? Task.FromResult<CompiledPolicy?>(null)
            : LoadManagedAsync(reader, boundaryArn, ParsedKind.PermissionsBoundary, PolicyType.PermissionsBoundary, parts, ct);

    /// <summary>The default version of a managed policy, compiled; null (and listed as unavailable) when it cannot be.</summary>
    private async Task<CompiledPolicy?> LoadManagedAsync(
        IStateReader reader, string policyArn, ParsedKind parseAs, PolicyType role, Parts parts, CancellationToken ct)
    {
        var version = await reader.Policies.GetDefaultVersionAsync(policyArn, ct);
        if (version is null)
        {
            // Only on this failure path: say which of the two it is.
            var reason = await reader.Policies.GetAsync(policyArn, ct) is null ? "the policy does not exist" : "the policy has no default version";
            parts.Unavailable.Add(new UnavailablePolicy(role, policyArn, reason));
            return null;
        }

        var name = policyArn[(policyArn.LastIndexOf('/') + 1)..];
        var entry = cache.Get(version.Document, parseAs, role, name, policyArn);
        if (entry.Policy is null)
        {
            parts.Unavailable.Add(new UnavailablePolicy(role, policyArn, $"version {version.VersionId}: {entry.Problem}"));
        }

        return entry.Policy;
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

    /// <summary>What one load collects: the identity policies that compiled and every part that could not be loaded.</summary>
    private sealed class Parts
    {
        public Parts(GuardrailSet guardrails) => Unavailable.AddRange(guardrails.Unavailable);

        public ImmutableArray<CompiledPolicy>.Builder Identity { get; } = ImmutableArray.CreateBuilder<CompiledPolicy>();

        public ImmutableArray<UnavailablePolicy>.Builder Unavailable { get; } = ImmutableArray.CreateBuilder<UnavailablePolicy>();
    }
}
