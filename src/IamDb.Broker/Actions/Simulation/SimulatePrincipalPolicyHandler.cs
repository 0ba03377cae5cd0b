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
/// type (user, group, role, user-managed) with positions in the stored document.
/// </summary>
internal sealed class SimulatePrincipalPolicyHandler(PrincipalPolicyLoader loader) : IActionHandler
{
    public string Service => "iam";

    public string Action => "SimulatePrincipalPolicy";

    public async ValueTask<ActionResult> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var (input, reader) = SimulationInput.Read(context.Parameters, policyInputsRequired: false);
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

        var (principal, sources, boundary) = await context.Store.ReadAsync((r, token) => LoadAsync(r, arn.Account, type, name, token), ct);
        sources.AddRange(input.PolicyInputs.Select((doc, i) =>
            SimulationInput.Compile(doc, ParsedKind.Identity, PolicyType.Identity, $"PolicyInputList.{i + 1}", "none")));
        var boundaries = input.BoundaryInputs
            .Select((doc, i) => SimulationInput.Compile(
                doc, ParsedKind.PermissionsBoundary, PolicyType.PermissionsBoundary, $"PermissionsBoundaryPolicyInputList.{i + 1}", "none"))
            .ToList();
        var effectiveBoundary = boundaries.Count > 0 ? boundaries[0] : boundary;
        var guardrails = await context.Store.ReadAsync((r, token) => loader.LoadGuardrailsAsync(r, arn.Account, token), ct);
        var policies = new PolicySet
        {
            IdentityPolicies = SimulationInput.Compiled(sources),
            PermissionsBoundary = effectiveBoundary?.Compiled,
            GuardrailLevels = guardrails,
        };
        var all = effectiveBoundary is null ? sources : [.. sources, effectiveBoundary];
        return SimulationRunner.Run(input, principal, policies, all, input.CreateContext(context));
    }

    private static async Task<(PrincipalInfo Principal, List<SimulatedPolicy> Sources, SimulatedPolicy? Boundary)> LoadAsync(
        IStateReader reader, string account, IamEntityType type, string name, CancellationToken ct)
    {
        var sources = new List<SimulatedPolicy>();
        switch (type)
        {
            case IamEntityType.User:
                var user = await reader.Users.GetAsync(account, name, ct) ?? throw IamErrors.NoSuchUser(name);
                await AddOwnAsync(reader, user.UserId, ParsedKind.InlineUser, "user", sources, ct);
                foreach (var group in await Pages.ReadAllAsync(page => reader.Groups.ListGroupsForUserAsync(user.UserId, page, ct)))
                {
                    await AddOwnAsync(reader, group.GroupId, ParsedKind.InlineGroup, "group", sources, ct);
                }

                return (PrincipalInfo.User(account, user.UserName, user.UserId, user.Path, user.Tags.ToDictionary(t => t.Key, t => t.Value)),
                    sources, await BoundaryAsync(reader, user.PermissionsBoundaryArn, ct));
            case IamEntityType.Group:
                var g = await reader.Groups.GetAsync(account, name, ct) ?? throw IamErrors.NoSuchGroup(name);
                await AddOwnAsync(reader, g.GroupId, ParsedKind.InlineGroup, "group", sources, ct);
                return (new PrincipalInfo(PrincipalType.User, g.Arn, account, g.GroupId), sources, null);
            case IamEntityType.Role:
                var role = await reader.Roles.GetAsync(account, name, ct) ?? throw IamErrors.NoSuchRole(name);
                await AddOwnAsync(reader, role.RoleId, ParsedKind.InlineRole, "role", sources, ct);
                return (PrincipalInfo.AssumedRole(account, role.RoleName, role.RoleId, "SimulatePrincipalPolicy", role.Path,
                        role.Tags.ToDictionary(t => t.Key, t => t.Value)),
                    sources, await BoundaryAsync(reader, role.PermissionsBoundaryArn, ct));
            default:
                throw new AwsErrorException(new AwsError("InvalidInput", "PolicySourceArn must be a user, group or role ARN.", 400));
        }
    }

    private static async Task AddOwnAsync(IStateReader reader, string principalId, ParsedKind inlineKind, string inlineType, List<SimulatedPolicy> into, CancellationToken ct)
    {
        foreach (var inline in await Pages.ReadAllAsync(page => reader.InlinePolicies.ListAsync(principalId, page, ct)))
        {
            into.Add(SimulationInput.Compile(inline.Document, inlineKind, PolicyType.Identity, inline.PolicyName, inlineType));
        }

        foreach (var attached in await Pages.ReadAllAsync(page => reader.Policies.ListAttachedAsync(principalId, null, page, ct)))
        {
            if (await reader.Policies.GetDefaultVersionAsync(attached.PolicyArn, ct) is { } version)
            {
                var type = attached.PolicyArn.Contains(":aws:policy/", StringComparison.Ordinal) ? "aws-managed" : "user-managed";
                into.Add(SimulationInput.Compile(version.Document, ParsedKind.Identity, PolicyType.Identity, attached.PolicyName, type, attached.PolicyArn));
            }
        }
    }

    private static async Task<SimulatedPolicy?> BoundaryAsync(IStateReader reader, string? boundaryArn, CancellationToken ct) =>
        boundaryArn is not null && await reader.Policies.GetDefaultVersionAsync(boundaryArn, ct) is { } version
            ? SimulationInput.Compile(version.Document, ParsedKind.PermissionsBoundary, PolicyType.PermissionsBoundary,
                boundaryArn[(boundaryArn.LastIndexOf('/') + 1)..], "user-managed", boundaryArn)
            : null;


}
