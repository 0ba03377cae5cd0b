using System.Globalization;
using IamDb.Aws.Arns;
using IamDb.Aws.Errors;
using IamDb.Aws.Identifiers;
using IamDb.Aws.Query;
using IamDb.Broker.Authorization;
using IamDb.Broker.Requests;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;
using IamDb.Policy.Parsing;
using IamDb.Policy.Validation;

namespace IamDb.Broker.Actions.Sts;

/// <summary>
/// <c>sts:AssumeRole</c>: the caller's identity policies and the role's trust policy decide together (the trust policy
/// must allow by itself); session policies (<c>Policy</c>, <c>PolicyArns</c>) and session tags are stored with the
/// session and bound it later.
/// </summary>
internal sealed class AssumeRoleHandler(IStateStore store, TimeProvider time, IdentifierGenerator ids) : IActionHandler
{
    private static readonly StringConstraints SessionName = new(2, 64, @"[\w+=,.@-]*");
    private static readonly StringConstraints ExternalId = new(2, 1224, @"[\w+=,.@:\/-]*");
    private static readonly StringConstraints RoleArn = new(20, 2048);
    private static readonly StringConstraints PolicyText = new(1, int.MaxValue, @"[\u0009\u000A\u000D\u0020-\u00FF]+");
    private static readonly StringConstraints TagKey = new(1, 128, @"[\p{L}\p{Z}\p{N}_.:/=+\-@]+");
    private static readonly StringConstraints TagValue = new(0, 256, @"[\p{L}\p{Z}\p{N}_.:/=+\-@]*");
    private static readonly StringConstraints SourceIdentity = new(2, 64, @"[\w+=,.@-]*");

    /// <summary>AWS limits a session assumed with role-session credentials (role chaining) to one hour.</summary>
    public const int ChainedSessionLimitSeconds = 3600;

    public string Service => "sts";

    public string Action => "AssumeRole";

    public async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = new QueryParameterReader(context.Request.Parameters, QueryValidationStyle.ValidationError);
        var roleArnText = reader.RequiredString("RoleArn", RoleArn);
        var sessionName = reader.RequiredString("RoleSessionName", SessionName);
        var duration = reader.OptionalInt("DurationSeconds", 900, 43_200);
        var policy = reader.OptionalString("Policy", PolicyText);
        var policyArns = reader.OptionalStructList("PolicyArns", r => r.OptionalString("arn", RoleArn), maxItems: 10) ?? [];
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

        if (!Arn.TryParse(roleArnText, out var roleArn, out _) || !roleArn.TryGetIamEntity(out var entityType, out _, out var roleName) ||
            entityType != IamEntityType.Role)
        {
            throw new AwsErrorException(new AwsError(AwsErrorCodes.ValidationError, $"{roleArnText} is invalid", 400));
        }

        var sessionPolicyArns = policyArns.Where(a => a is not null).Select(a => a!).ToList();
        CheckSessionPolicy(policy);
        var packed = PackedPolicySize(policy, sessionPolicyArns, tags);

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

        var seconds = duration ?? 3600;
        if (seconds > role.MaxSessionDuration)
        {
            throw new AwsErrorException(new AwsError(
                AwsErrorCodes.ValidationError,
                string.Create(CultureInfo.InvariantCulture, $"The requested DurationSeconds exceeds the MaxSessionDuration set for this role."),
                400));
        }

        if (caller.Kind == CallerKind.AssumedRole && seconds > ChainedSessionLimitSeconds)
        {
            throw new AwsErrorException(new AwsError(
                AwsErrorCodes.ValidationError,
                "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
                400));
        }

        var now = time.GetUtcNow();
        var expiration = StoreTime.Normalize(now.AddSeconds(seconds));
        var (keyId, secret, token, hash) = StsCredentials.Issue(ids);
        var sessionArn = Arn.StsAssumedRole(role.AccountId, role.RoleName, sessionName).ToString();
        var session = new StsSession(keyId, role.AccountId, secret, hash, SessionKind.AssumedRole, sessionArn, now, expiration)
        {
            RoleArn = role.Arn,
            RoleId = role.RoleId,
            RoleSessionName = sessionName,
            SessionPolicy = policy,
            SessionPolicyArns = sessionPolicyArns,
            SessionTags = tags,
            TransitiveTagKeys = transitive,
            SourceIdentity = sourceIdentity,
        };
        await store.WriteAsync(
            async (writer, t) =>
            {
                // In the transaction that creates the session: a session is never created with session policies that
                // were not found (it would then be as wide as the role), and none can be deleted in between.
                await CheckSessionPolicyArnsAsync(writer, role.AccountId, sessionPolicyArns, t);
                return await writer.Sessions.CreateAsync(session, t);
            },
            ct);

        var assumedRoleId = $"{role.RoleId}:{sessionName}";
        return new ActionOutcome(xml =>
        {
            StsCredentials.Write(xml, keyId, secret, token, expiration);
            xml.WriteStructure("AssumedRoleUser", u =>
            {
                u.WriteString("AssumedRoleId", assumedRoleId);
                u.WriteString("Arn", sessionArn);
            });
            if (packed is { } size)
            {
                xml.WriteInt32("PackedPolicySize", size);
            }

            xml.WriteString("SourceIdentity", sourceIdentity);
        }).Recording(
            ("credentials.accessKeyId", keyId),
            ("credentials.expiration", expiration),
            ("assumedRoleUser.assumedRoleId", assumedRoleId),
            ("assumedRoleUser.arn", sessionArn));
    }

    /// <summary>
    /// Every <c>PolicyArns</c> entry must name an existing managed policy of the role's account whose default version
    /// parses. AWS documents that "the policies must exist in the same account as the role" but not the error; IamDb answers
    /// AssumeRole's modeled error for a session policy that cannot be used, <c>MalformedPolicyDocument</c>, with IAM's wording.
    /// </summary>
    private static async Task CheckSessionPolicyArnsAsync(IStateReader reader, string account, List<string> arns, CancellationToken ct)
    {
        foreach (var arn in arns)
        {
            var usable = Arn.TryParse(arn, out var parsed, out _)
                         && parsed.TryGetIamEntity(out var type, out _, out _)
                         && type == IamEntityType.Policy
                         && string.Equals(parsed.Account, account, StringComparison.Ordinal)
                         && await reader.Policies.GetDefaultVersionAsync(arn, ct) is { } version
                         && PolicyParser.Parse(version.Document, PolicyKind.Identity).IsValid;
            if (!usable)
            {
                throw new AwsErrorException(new AwsError("MalformedPolicyDocument", $"Policy {arn} does not exist or is not attachable.", 400));
            }
        }
    }

    private static void CheckSessionPolicy(string? policy)
    {
        if (policy is null)
        {
            return;
        }

        if (PolicySizeLimits.Check(policy, PolicyKind.Session) is { } tooBig)
        {
            throw new AwsErrorException(new AwsError(tooBig.Code, tooBig.Message, 400));
        }

        var parsed = PolicyParser.Parse(policy, PolicyKind.Session);
        if (!parsed.IsValid)
        {
            var message = parsed.Errors.Count > 0 ? parsed.Errors[0].FullMessage : "Syntax errors in policy.";
            throw new AwsErrorException(new AwsError("MalformedPolicyDocument", message, 400));
        }
    }

    /// <summary>
    /// AWS packs session policies and tags into a binary form with its own limit and reports the percentage used; this
    /// approximates it by the characters of the policy, the ARNs and the tags against the 2,048-character limit.
    /// </summary>
    private static int? PackedPolicySize(string? policy, List<string> arns, IReadOnlyList<Tag> tags)
    {
        if (policy is null && arns.Count == 0 && tags.Count == 0)
        {
            return null;
        }

        var characters = (policy is null ? 0 : PolicySizeLimits.Measure(policy, PolicyKind.Session))
                         + arns.Sum(a => a.Length) + tags.Sum(t => t.Key.Length + t.Value.Length);
        var percent = (int)Math.Ceiling(characters * 100.0 / PolicySizeLimits.SessionPolicy);
        if (percent > 100)
        {
            throw new AwsErrorException(new AwsError(
                "PackedPolicyTooLarge",
                string.Create(CultureInfo.InvariantCulture, $"Packed policy consumes {percent}% of allotted space, please use smaller policy."),
                400));
        }

        return percent;
    }
}
