using IamDb.Aws.Arns;
using IamDb.Aws.Errors;
using IamDb.Aws.Identifiers;
using IamDb.Aws.Query;
using IamDb.Broker.Authorization;
using IamDb.Broker.Requests;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;

using static IamDb.Broker.Actions.Sts.StsParameterRules;

namespace IamDb.Broker.Actions.Sts;

/// <summary>
/// <c>sts:AssumeRole</c>: the caller's identity policies and the role's trust policy decide together (the trust policy
/// must allow by itself); session policies (<c>Policy</c>, <c>PolicyArns</c>) and session tags are stored with the
/// session and bound it later.
/// </summary>
internal sealed class AssumeRoleHandler(IStateStore store, TimeProvider time, IdentifierGenerator ids) : IActionHandler
{
    private static readonly StringConstraints ExternalId = new(2, 1224, @"[\w+=,.@:\/-]*");

    private readonly RoleSessionIssuer _issuer = new(store, time, ids);

    public string Service => "sts";

    public string Action => "AssumeRole";

    public async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = new QueryParameterReader(context.Request.Parameters, QueryValidationStyle.ValidationError);
        var roleArnText = reader.RequiredString("RoleArn", RoleArn);
        var sessionName = reader.RequiredString("RoleSessionName", SessionName);
        var sessionParameters = SessionPolicyParameters.Read(reader);
        var externalId = reader.OptionalString("ExternalId", ExternalId);
        var tags = reader.OptionalStructList("Tags", r => new Tag(r.RequiredString("Key", TagKey), r.RequiredString("Value", TagValue)), maxItems: 50) ?? [];
        var transitive = reader.OptionalStringList("TransitiveTagKeys", maxItems: 50) ?? [];
        var sourceIdentity = reader.OptionalString("SourceIdentity", SourceIdentity);
        if (reader.TryGetError(out var error))
        {
            throw new AwsErrorException(error);
        }

        var caller = context.Request.Caller;
        if (caller.IsRoot)
        {
            throw new AwsErrorException(new AwsError(AwsErrorCodes.AccessDenied, "Roles may not be assumed by root accounts.", 403));
        }

        var (roleArn, roleName) = StsParameterRules.ParseRoleArn(roleArnText);

        RoleSessionIssuer.CheckBeforeLookup(sessionParameters, tags);

        var role = await store.ReadAsync((r, token) => r.Roles.GetAsync(roleArn.Account, roleName, token), ct);
        var keys = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["sts:RoleSessionName"] = [sessionName],
        };
        if (externalId is not null)
        {
            keys["sts:ExternalId"] = [externalId];
        }

        if (sourceIdentity is not null)
        {
            keys["sts:SourceIdentity"] = [sourceIdentity];
        }

        if (tags.Count > 0)
        {
            keys["aws:TagKeys"] = tags.Select(t => t.Key).ToList();
            foreach (var tag in tags)
            {
                keys["aws:RequestTag/" + tag.Key] = [tag.Value];
            }
        }

        if (role is null || !string.Equals(role.Arn, roleArn.ToString(), StringComparison.Ordinal))
        {
            // AWS does not reveal whether the role exists: an unknown role is an AccessDenied like any other.
            var message = $"User: {caller.Arn} is not authorized to perform: sts:AssumeRole on resource: {roleArnText}";
            throw new AwsErrorException(new AwsError(AwsErrorCodes.AccessDenied, message, 403))
            {
                Notes = [$"ImplicitDeny sts:AssumeRole on {roleArnText}: the role does not exist"],
            };
        }

        var trust = new ResourcePolicy(role.AssumeRolePolicyDocument, role.RoleName + " trust policy", true);
        await context.AuthorizeWithResourcePolicyAsync("sts:AssumeRole", role.Arn, trust, keys, ct);
        if (tags.Count > 0)
        {
            // Passing session tags is its own permission, granted by the trust policy (and identity policies) too.
            await context.AuthorizeWithResourcePolicyAsync("sts:TagSession", role.Arn, trust, keys, ct);
        }

        var issued = await _issuer.IssueAsync(
            new RoleSessionRequest(role, sessionName, sessionParameters, tags, transitive, sourceIdentity, caller.Kind == CallerKind.AssumedRole), ct);
        return new ActionOutcome(xml =>
        {
            issued.WriteCredentialsAndUser(xml);
            issued.WritePackedSizeAndSourceIdentity(xml);
        }).Recording(issued.AuditElements());
    }
}
