using IamDb.Aws.Arns;
using IamDb.Aws.Errors;
using IamDb.Broker.Actions.Iam;
using IamDb.Broker.Authorization;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;
using IamDb.Policy.Authorization;
using IamDb.Policy.Compilation;
using IamDb.Policy.Evaluation;
using ParsedKind = IamDb.Policy.Parsing.PolicyKind;

namespace IamDb.Broker.Actions.Simulation;

/// <summary>
/// <c>iam:SimulatePrincipalPolicy</c>: evaluates the stored policies of a user (with its groups), group or role, plus
/// any <c>PolicyInputList</c> documents, for each action and resource. Matched statements name the stored policy and its
/// type (user, group, role, user-managed) with positions in the stored document. A stored part that cannot be loaded
/// (a boundary or attached policy that no longer exists or parses) makes every result <c>explicitDeny</c>, as the broker
/// would decide, with a matched statement naming that policy (without positions) and the reason in the audit record.
/// </summary>
internal sealed class SimulatePrincipalPolicyHandler(PrincipalPolicyLoader loader, IStateStore store, TimeProvider time) : IActionHandler
{
    public string Service => "iam";

    public string Action => "SimulatePrincipalPolicy";

    public async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var (input, reader) = SimulationInput.Read(context.Request.Parameters, policyInputsRequired: false);
        var sourceArn = reader.RequiredString("PolicySourceArn", new Aws.Query.StringConstraints(20, 2048));
        if (reader.TryGetError(out var error))
        {
            throw new AwsErrorException(error);
        }

        await context.AuthorizeAsync("iam:SimulatePrincipalPolicy", sourceArn, ct: ct);
        if (!Arn.TryParse(sourceArn, out var arn, out _) || !arn.TryGetIamEntity(out var type, out _, out var name))
        {
            throw new AwsErrorException(new AwsError("InvalidInput", $"Invalid ARN: {sourceArn}", 400));
        }

        var (principal, sources, boundary, unavailable) = await store.ReadAsync((r, token) => LoadAsync(r, arn.Account, type, name, token), ct);
        sources.AddRange(input.PolicyInputs.Select((doc, i) =>
            SimulationInput.Compile(doc, ParsedKind.Identity, PolicyType.Identity, $"PolicyInputList.{i + 1}", "none")));
        var boundaries = input.BoundaryInputs
            .Select((doc, i) => SimulationInput.Compile(
                doc, ParsedKind.PermissionsBoundary, PolicyType.PermissionsBoundary, $"PermissionsBoundaryPolicyInputList.{i + 1}", "none"))
            .ToList();
        var effectiveBoundary = boundaries.Count > 0 ? boundaries[0] : boundary;
        if (boundaries.Count > 0)
        {
            // A boundary given as input replaces the stored one, also when the stored one could not be loaded.
            unavailable.RemoveAll(u => u.Policy.Kind == PolicyType.PermissionsBoundary);
        }

        var guardrails = await store.ReadAsync((r, token) => loader.LoadGuardrailsAsync(r, arn.Account, token), ct);
        var policies = new PolicySet
        {
            IdentityPolicies = SimulationInput.Compiled(sources),
            PermissionsBoundary = effectiveBoundary?.Compiled,
            GuardrailLevels = guardrails.Levels,
            UnavailablePolicies = [.. guardrails.Unavailable, .. unavailable.Select(u => u.Policy)],
        };
        var notes = policies.UnavailablePolicies
            .Select(missing => $"Simulation of {sourceArn} denies everything: {missing.Describe()}: {missing.Reason}")
            .ToList();
        var all = effectiveBoundary is null ? sources : [.. sources, effectiveBoundary];
        var unavailableTypes = unavailable.ToDictionary(u => u.Policy.Name, u => u.SourcePolicyType, StringComparer.Ordinal);
        return SimulationRunner.Run(input, principal, policies, all, input.CreateContext(context, time), unavailableTypes) with { Notes = notes };
    }

    /// <summary>A stored policy of the simulated principal that could not be loaded, with the type the response names.</summary>
    private sealed record UnavailableSource(UnavailablePolicy Policy, string SourcePolicyType);

    private static async Task<(PrincipalInfo Principal, List<SimulatedPolicy> Sources, SimulatedPolicy? Boundary, List<UnavailableSource> Unavailable)> LoadAsync(
        IStateReader reader, string account, IamEntityType type, string name, CancellationToken ct)
    {
        var sources = new List<SimulatedPolicy>();
        var unavailable = new List<UnavailableSource>();
        switch (type)
        {
            case IamEntityType.User:
                var user = await reader.Users.GetAsync(account, name, ct) ?? throw IamErrors.NoSuchUser(name);
                await AddOwnAsync(reader, user.UserId, ParsedKind.InlineUser, "user", sources, unavailable, ct);
                foreach (var group in await Pages.ReadAllAsync(page => reader.Groups.ListGroupsForUserAsync(user.UserId, page, ct)))
                {
                    await AddOwnAsync(reader, group.GroupId, ParsedKind.InlineGroup, "group", sources, unavailable, ct);
                }

                return (PrincipalInfo.User(account, user.UserName, user.UserId, user.Path, user.Tags.ToDictionary(t => t.Key, t => t.Value)),
                    sources, await BoundaryAsync(reader, user.PermissionsBoundaryArn, unavailable, ct), unavailable);
            case IamEntityType.Group:
                var g = await reader.Groups.GetAsync(account, name, ct) ?? throw IamErrors.NoSuchGroup(name);
                await AddOwnAsync(reader, g.GroupId, ParsedKind.InlineGroup, "group", sources, unavailable, ct);
                return (new PrincipalInfo(PrincipalType.User, g.Arn, account, g.GroupId), sources, null, unavailable);
            case IamEntityType.Role:
                var role = await reader.Roles.GetAsync(account, name, ct) ?? throw IamErrors.NoSuchRole(name);
                await AddOwnAsync(reader, role.RoleId, ParsedKind.InlineRole, "role", sources, unavailable, ct);
                return (PrincipalInfo.AssumedRole(account, role.RoleName, role.RoleId, "SimulatePrincipalPolicy", role.Path,
                        role.Tags.ToDictionary(t => t.Key, t => t.Value)),
                    sources, await BoundaryAsync(reader, role.PermissionsBoundaryArn, unavailable, ct), unavailable);
            default:
                throw new AwsErrorException(new AwsError("InvalidInput", "PolicySourceArn must be a user, group or role ARN.", 400));
        }
    }

    private static async Task AddOwnAsync(
        IStateReader reader, string principalId, ParsedKind inlineKind, string inlineType, List<SimulatedPolicy> into, List<UnavailableSource> unavailable,
        CancellationToken ct)
    {
        foreach (var inline in await Pages.ReadAllAsync(page => reader.InlinePolicies.ListAsync(principalId, page, ct)))
        {
            if (Stored(inline.Document, inlineKind, PolicyType.Identity, inline.PolicyName, inlineType, null, unavailable) is { } compiled)
            {
                into.Add(compiled);
            }
        }

        foreach (var attached in await Pages.ReadAllAsync(page => reader.Policies.ListAttachedAsync(principalId, null, page, ct)))
        {
            var type = attached.PolicyArn.Contains(":aws:policy/", StringComparison.Ordinal) ? "aws-managed" : "user-managed";
            if (await ManagedAsync(reader, attached.PolicyArn, ParsedKind.Identity, PolicyType.Identity, attached.PolicyName, type, unavailable, ct) is { } compiled)
            {
                into.Add(compiled);
            }
        }
    }

    private static async Task<SimulatedPolicy?> BoundaryAsync(IStateReader reader, string? boundaryArn, List<UnavailableSource> unavailable, CancellationToken ct) =>
        boundaryArn is null
            ? null
            : await ManagedAsync(reader, boundaryArn, ParsedKind.PermissionsBoundary, PolicyType.PermissionsBoundary,
                boundaryArn[(boundaryArn.LastIndexOf('/') + 1)..], "user-managed", unavailable, ct);

    /// <summary>The default version of a stored managed policy; null, and listed as unavailable, when it cannot be loaded.</summary>
    private static async Task<SimulatedPolicy?> ManagedAsync(
        IStateReader reader, string policyArn, ParsedKind parseAs, PolicyType role, string id, string type, List<UnavailableSource> unavailable,
        CancellationToken ct)
    {
        if (await reader.Policies.GetDefaultVersionAsync(policyArn, ct) is not { } version)
        {
            var reason = await reader.Policies.GetAsync(policyArn, ct) is null ? "the policy does not exist" : "the policy has no default version";
            unavailable.Add(new UnavailableSource(new UnavailablePolicy(role, policyArn, reason), type));
            return null;
        }

        return Stored(version.Document, parseAs, role, id, type, policyArn, unavailable);
    }

    /// <summary>A stored document compiled; one that no longer parses or compiles is listed as unavailable (it denies),
    /// not reported as the caller's InvalidInput: the caller did not send it.</summary>
    private static SimulatedPolicy? Stored(
        string document, ParsedKind parseAs, PolicyType role, string id, string type, string? arn, List<UnavailableSource> unavailable)
    {
        var parsed = Policy.Parsing.PolicyParser.Parse(document, parseAs);
        var compiled = parsed.Document is null ? null : CompiledPolicy.Compile(parsed.Document, role, id, arn);
        if (compiled is not null && compiled.Errors.Count == 0)
        {
            return new SimulatedPolicy(id, type, compiled, parsed.StatementSpans);
        }

        var reason = compiled is null
            ? "the document no longer parses: " + (parsed.Errors.Count > 0 ? parsed.Errors[0].FullMessage : "syntax errors")
            : $"statement {compiled.Errors[0].StatementIndex + 1} does not compile: {compiled.Errors[0].Message}";
        unavailable.Add(new UnavailableSource(new UnavailablePolicy(role, arn ?? id, reason), type));
        return null;
    }
}
