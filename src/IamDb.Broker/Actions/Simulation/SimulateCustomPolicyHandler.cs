using IamDb.Aws.Arns;
using IamDb.Policy.Authorization;
using IamDb.Policy.Compilation;
using IamDb.Policy.Evaluation;
using ParsedKind = IamDb.Policy.Parsing.PolicyKind;

namespace IamDb.Broker.Actions.Simulation;

/// <summary>
/// <c>iam:SimulateCustomPolicy</c>: evaluates the given identity policies (and optional boundary and resource policy)
/// for each action and resource, for the caller named by <c>CallerArn</c> (or an unnamed IAM user of the account).
/// </summary>
internal sealed class SimulateCustomPolicyHandler(TimeProvider time) : IActionHandler
{
    public string Service => "iam";

    public string Action => "SimulateCustomPolicy";

    public async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var (input, reader) = SimulationInput.Read(context.Request.Parameters, policyInputsRequired: true);
        if (reader.TryGetError(out var error))
        {
            throw new AwsErrorException(error);
        }

        await context.AuthorizeAsync("iam:SimulateCustomPolicy", "*", ct: ct);
        var identity = input.PolicyInputs
            .Select((doc, i) => SimulationInput.Compile(doc, ParsedKind.Identity, PolicyType.Identity, $"PolicyInputList.{i + 1}", "none"))
            .ToList();
        var boundaries = input.BoundaryInputs
            .Select((doc, i) => SimulationInput.Compile(
                doc, ParsedKind.PermissionsBoundary, PolicyType.PermissionsBoundary, $"PermissionsBoundaryPolicyInputList.{i + 1}", "none"))
            .ToList();
        var resource = input.ResourcePolicy is { } resourceDoc
            ? SimulationInput.Compile(resourceDoc, ParsedKind.Resource, PolicyType.ResourceBased, "ResourcePolicy", "resource")
            : null;

        var principal = Principal(input.CallerArn, context.Request.Caller.AccountId);
        var policies = new PolicySet
        {
            IdentityPolicies = SimulationInput.Compiled(identity),
            PermissionsBoundary = boundaries.Count > 0 ? boundaries[0].Compiled : null,
            ResourcePolicy = resource?.Compiled,
            ResourceAccountId = input.ResourceOwner is { } owner && Arn.TryParse(owner, out var ownerArn, out _) ? ownerArn.Account : null,
        };
        var sources = identity.Concat(boundaries).Concat(resource is null ? [] : [resource]).ToList();
        return SimulationRunner.Run(input, principal, policies, sources, input.CreateContext(context, time));
    }

    private static PrincipalInfo Principal(string? callerArn, string accountId)
    {
        if (callerArn is not null && Arn.TryParse(callerArn, out var arn, out _) && arn.TryGetIamEntity(out var type, out var path, out var name)
            && type == IamEntityType.User)
        {
            return PrincipalInfo.User(arn.Account, name, "AIDASIMULATEDCALLER0", path);
        }

        return new PrincipalInfo(PrincipalType.User, callerArn ?? $"arn:aws:iam::{accountId}:user/SimulatedCaller", accountId, "AIDASIMULATEDCALLER0");
    }
}
