using System.Globalization;
using IamDb.Aws.Arns;
using IamDb.Aws.Errors;
using IamDb.Aws.Identifiers;
using IamDb.Aws.Query;
using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;
using IamDb.Policy.Parsing;
using IamDb.Policy.Validation;

namespace IamDb.Broker.Actions.Sts;

/// <summary>
/// The session parameters every <c>AssumeRole*</c> call shares, read and checked before the role is looked up:
/// <c>DurationSeconds</c>, the inline session <c>Policy</c> (it must parse and fit) and <c>PolicyArns</c>.
/// </summary>
/// <param name="DurationSeconds">The requested duration, or null for the default (one hour).</param>
/// <param name="Policy">The inline session policy, or null.</param>
/// <param name="PolicyArns">The session policy ARNs (checked against the store when the session is created).</param>
internal sealed record SessionPolicyParameters(int? DurationSeconds, string? Policy, IReadOnlyList<string> PolicyArns)
{
    private static readonly StringConstraints PolicyText = new(1, int.MaxValue, @"[\u0009\u000A\u000D\u0020-\u00FF]+");

    /// <summary>Reads the shared parameters; errors stay in <paramref name="reader"/> for the caller to raise with its own.</summary>
    public static SessionPolicyParameters Read(QueryParameterReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var duration = reader.OptionalInt("DurationSeconds", 900, 43_200);
        var policy = reader.OptionalString("Policy", PolicyText);
        var arns = reader.OptionalStructList("PolicyArns", r => r.OptionalString("arn", StsParameterRules.RoleArn), maxItems: 10) ?? [];
        return new SessionPolicyParameters(duration, policy, arns.Where(a => a is not null).Select(a => a!).ToList());
    }

    /// <summary>Throws <c>MalformedPolicyDocument</c> (or the size error) when the inline session policy cannot be used.</summary>
    public void CheckPolicy()
    {
        if (Policy is null)
        {
            return;
        }

        if (PolicySizeLimits.Check(Policy, PolicyKind.Session) is { } tooBig)
        {
            throw new AwsErrorException(new AwsError(tooBig.Code, tooBig.Message, 400));
        }

        var parsed = PolicyParser.Parse(Policy, PolicyKind.Session);
        if (!parsed.IsValid)
        {
            var message = parsed.Errors.Count > 0 ? parsed.Errors[0].FullMessage : "Syntax errors in policy.";
            throw new AwsErrorException(new AwsError("MalformedPolicyDocument", message, 400));
        }
    }
}

/// <summary>What a new role session is made of, once the caller has been authorized to assume the role.</summary>
/// <param name="Role">The role assumed.</param>
/// <param name="SessionName">The role session name (the last part of the session ARN).</param>
/// <param name="Parameters">Duration and session policies.</param>
/// <param name="Tags">Session tags (they become principal tags of the session).</param>
/// <param name="TransitiveTagKeys">Keys of the session tags that pass on to chained sessions.</param>
/// <param name="SourceIdentity">The source identity, or null.</param>
/// <param name="ChainedFromRoleSession">True when the caller is itself a role session (AWS caps role chaining at one hour).</param>
internal sealed record RoleSessionRequest(
    IamRole Role,
    string SessionName,
    SessionPolicyParameters Parameters,
    IReadOnlyList<Tag> Tags,
    IReadOnlyList<string> TransitiveTagKeys,
    string? SourceIdentity,
    bool ChainedFromRoleSession = false);

/// <summary>A session just created: what the response's shared elements say. The secret is only revealed into the response.</summary>
internal sealed class IssuedRoleSession
{
    private readonly SecretString _secret;
    private readonly string _sessionToken;

    internal IssuedRoleSession(
        string accessKeyId, SecretString secret, string sessionToken, DateTimeOffset expiration, string sessionArn, string assumedRoleId,
        int? packedPolicySize, string? sourceIdentity)
    {
        AccessKeyId = accessKeyId;
        _secret = secret;
        _sessionToken = sessionToken;
        Expiration = expiration;
        SessionArn = sessionArn;
        AssumedRoleId = assumedRoleId;
        PackedPolicySize = packedPolicySize;
        SourceIdentity = sourceIdentity;
    }

    /// <summary>The session's ASIA… access key id.</summary>
    public string AccessKeyId { get; }

    /// <summary>When the session ends.</summary>
    public DateTimeOffset Expiration { get; }

    /// <summary><c>arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION</c>.</summary>
    public string SessionArn { get; }

    /// <summary><c>ROLEID:SESSION</c>.</summary>
    public string AssumedRoleId { get; }

    /// <summary>The percentage of the packed-policy allowance used, or null without session policies and tags.</summary>
    public int? PackedPolicySize { get; }

    /// <summary>The source identity, or null.</summary>
    public string? SourceIdentity { get; }

    /// <summary>Writes <c>Credentials</c> and <c>AssumedRoleUser</c>, the elements every AssumeRole* result starts with.</summary>
    public void WriteCredentialsAndUser(QueryXmlWriter xml)
    {
        WriteCredentials(xml);
        WriteAssumedRoleUser(xml);
    }

    /// <summary>Writes STS's <c>Credentials</c> structure (the only place the secret and the session token are revealed).</summary>
    public void WriteCredentials(QueryXmlWriter xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        StsCredentials.Write(xml, AccessKeyId, _secret, _sessionToken, Expiration);
    }

    /// <summary>Writes <c>AssumedRoleUser</c> (<c>AssumedRoleId</c>, <c>Arn</c>).</summary>
    public void WriteAssumedRoleUser(QueryXmlWriter xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        xml.WriteStructure("AssumedRoleUser", u =>
        {
            u.WriteString("AssumedRoleId", AssumedRoleId);
            u.WriteString("Arn", SessionArn);
        });
    }

    /// <summary>Writes <c>PackedPolicySize</c> when there is one.</summary>
    public void WritePackedPolicySize(QueryXmlWriter xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        if (PackedPolicySize is { } size)
        {
            xml.WriteInt32("PackedPolicySize", size);
        }
    }

    /// <summary>Writes <c>PackedPolicySize</c> (when there is one) and <c>SourceIdentity</c> (when set).</summary>
    public void WritePackedSizeAndSourceIdentity(QueryXmlWriter xml)
    {
        WritePackedPolicySize(xml);
        xml.WriteString("SourceIdentity", SourceIdentity);
    }

    /// <summary>The audit record's response elements of the session (no secret among them).</summary>
    public (string Name, object? Value)[] AuditElements() =>
    [
        ("credentials.accessKeyId", AccessKeyId),
        ("credentials.expiration", Expiration),
        ("assumedRoleUser.assumedRoleId", AssumedRoleId),
        ("assumedRoleUser.arn", SessionArn),
    ];
}

/// <summary>
/// Creates role sessions for <c>AssumeRole</c>, <c>AssumeRoleWithWebIdentity</c> and <c>AssumeRoleWithSAML</c>: the
/// duration against the role's maximum (and the role-chaining hour), the packed size of session policies and tags, the
/// session policy ARNs checked in the transaction that creates the session, and the new credentials. Authorization is the
/// caller's business and happens before <see cref="IssueAsync"/>.
/// </summary>
internal sealed class RoleSessionIssuer(IStateStore store, TimeProvider time, IdentifierGenerator ids)
{
    /// <summary>AWS limits a session assumed with role-session credentials (role chaining) to one hour.</summary>
    public const int ChainedSessionLimitSeconds = 3600;

    /// <summary>
    /// Checks what can be checked before the role is read: the inline policy parses and fits, and the packed size of
    /// policies and tags is within the limit. Returns the packed size for the response (null without any).
    /// </summary>
    public static int? CheckBeforeLookup(SessionPolicyParameters parameters, IReadOnlyList<Tag> tags)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(tags);
        parameters.CheckPolicy();
        return PackedPolicySize(parameters.Policy, parameters.PolicyArns, tags);
    }

    /// <summary>Creates the session; throws AWS's errors for a duration too long or a session policy ARN that cannot be used.</summary>
    /// <param name="request">The session to create.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <param name="alsoInTransaction">
    /// A store step of the caller's that must commit with the session or not at all (AssumeRoleWithSAML records the
    /// assertion as used), run first in the transaction that creates it: when it throws, nothing is written, and when the
    /// session cannot be created, its step is undone. It may run more than once (a shared store retries a transaction), so
    /// it must have no effect outside the store.
    /// </param>
    public async Task<IssuedRoleSession> IssueAsync(
        RoleSessionRequest request, CancellationToken ct, Func<IStateWriter, CancellationToken, Task>? alsoInTransaction = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var role = request.Role;
        var packed = CheckBeforeLookup(request.Parameters, request.Tags);
        var seconds = request.Parameters.DurationSeconds ?? 3600;
        if (seconds > role.MaxSessionDuration)
        {
            throw new AwsErrorException(new AwsError(
                AwsErrorCodes.ValidationError, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", 400));
        }

        if (request.ChainedFromRoleSession && seconds > ChainedSessionLimitSeconds)
        {
            throw new AwsErrorException(new AwsError(
                AwsErrorCodes.ValidationError,
                "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
                400));
        }

        var now = time.GetUtcNow();
        var expiration = StoreTime.Normalize(now.AddSeconds(seconds));
        var (keyId, secret, token, hash) = StsCredentials.Issue(ids);
        var sessionArn = Arn.StsAssumedRole(role.AccountId, role.RoleName, request.SessionName).ToString();
        var arns = request.Parameters.PolicyArns;
        var session = new StsSession(keyId, role.AccountId, secret, hash, SessionKind.AssumedRole, sessionArn, now, expiration)
        {
            RoleArn = role.Arn,
            RoleId = role.RoleId,
            RoleSessionName = request.SessionName,
            SessionPolicy = request.Parameters.Policy,
            SessionPolicyArns = arns,
            SessionTags = request.Tags,
            TransitiveTagKeys = request.TransitiveTagKeys,
            SourceIdentity = request.SourceIdentity,
        };
        await store.WriteAsync(
            async (writer, t) =>
            {
                if (alsoInTransaction is not null)
                {
                    await alsoInTransaction(writer, t);
                }

                // In the transaction that creates the session: a session is never created with session policies that
                // were not found (it would then be as wide as the role), and none can be deleted in between.
                await CheckSessionPolicyArnsAsync(writer, role.AccountId, arns, t);
                return await writer.Sessions.CreateAsync(session, t);
            },
            ct);

        return new IssuedRoleSession(keyId, secret, token, expiration, sessionArn, $"{role.RoleId}:{request.SessionName}", packed, request.SourceIdentity);
    }

    /// <summary>
    /// Every <c>PolicyArns</c> entry must name an existing managed policy of the role's account whose default version
    /// parses. AWS documents that "the policies must exist in the same account as the role" but not the error; IamDb answers
    /// AssumeRole's modeled error for a session policy that cannot be used, <c>MalformedPolicyDocument</c>, with IAM's wording.
    /// </summary>
    private static async Task CheckSessionPolicyArnsAsync(IStateReader reader, string account, IReadOnlyList<string> arns, CancellationToken ct)
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

    /// <summary>
    /// AWS packs session policies and tags into a binary form with its own limit and reports the percentage used; this
    /// approximates it by the characters of the policy, the ARNs and the tags against the 2,048-character limit.
    /// </summary>
    private static int? PackedPolicySize(string? policy, IReadOnlyList<string> arns, IReadOnlyList<Tag> tags)
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
