using System.Collections.Concurrent;
using IamDb.Aws.Arns;
using IamDb.Aws.Errors;
using IamDb.Aws.Identifiers;
using IamDb.Aws.Query;
using IamDb.Broker.Authorization;
using IamDb.Broker.Federation;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;
using IamDb.Federation;
using IamDb.Federation.Saml;
using IamDb.Policy.Evaluation;

namespace IamDb.Broker.Actions.Sts;

/// <summary>The broker's SAML settings: an audience accepted besides AWS's <c>https://signin.aws.amazon.com/saml</c>.</summary>
/// <param name="Audience">Accepted as <c>Audience</c>, <c>Recipient</c> and <c>Destination</c>; null for AWS's alone.</param>
internal sealed record SamlSettings(string? Audience);

/// <summary>
/// <c>sts:AssumeRoleWithSAML</c>, accepted unsigned: the identity provider's signed SAML response is the credential.
/// The response is verified against the metadata of the SAML provider named by <c>PrincipalArn</c>; its Role attribute
/// must offer the pair (<c>RoleArn</c>, <c>PrincipalArn</c>); the role's trust policy alone must allow the provider's
/// users (with the <c>SAML:*</c> keys); each assertion is accepted once; the session is then an ordinary role session.
/// </summary>
internal sealed class AssumeRoleWithSamlHandler(IStateStore store, TimeProvider time, IdentifierGenerator ids, SamlSettings? settings = null)
    : IActionHandler
{
    private const string ActionName = "sts:AssumeRoleWithSAML";
    private static readonly StringConstraints Assertion = new(4, SamlResponseVerifier.MaxResponseCharacters);

    private readonly RoleSessionIssuer _issuer = new(store, time, ids);
    private readonly SamlExpectations _expected = SamlExpectations.For(settings?.Audience);

    // Parsed metadata by provider ARN, reused while the stored document is the same text (an update replaces it).
    private readonly ConcurrentDictionary<string, (string Document, SamlMetadata Metadata)> _metadata = new(StringComparer.Ordinal);

    public string Service => "sts";

    public string Action => "AssumeRoleWithSAML";

    public async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = new QueryParameterReader(context.Request.Parameters, QueryValidationStyle.ValidationError);
        var roleArnText = reader.RequiredString("RoleArn", StsParameterRules.RoleArn);
        var principalArn = reader.RequiredString("PrincipalArn", StsParameterRules.RoleArn);
        var samlAssertion = reader.RequiredString("SAMLAssertion", Assertion);
        var parameters = SessionPolicyParameters.Read(reader);
        if (reader.TryGetError(out var error))
        {
            throw new AwsErrorException(error);
        }

        var (roleArn, roleName) = StsParameterRules.ParseRoleArn(roleArnText);

        parameters.CheckPolicy();
        var provider = await store.ReadAsync((r, t) => r.IdentityProviders.GetSamlProviderAsync(principalArn, t), ct)
                       ?? throw Refused("InvalidIdentityToken", $"Specified provider doesn't exist: {principalArn}", 400, "no SAML provider has this PrincipalArn");
        var metadata = Metadata(provider);
        var now = time.GetUtcNow();
        var verified = SamlResponseVerifier.Verify(samlAssertion, metadata, _expected, now);
        if (verified.Failure is { } failure)
        {
            throw Refused(failure.StsErrorCode, failure.Message, failure.Kind == FederationFailureKind.RejectedClaim ? 403 : 400, failure.Message);
        }

        var assertion = verified.Assertion!;
        if (!assertion.Roles.Any(p => p.RoleArn == roleArnText && p.ProviderArn == principalArn))
        {
            throw Refused(
                AwsErrorCodes.AccessDenied,
                $"Not authorized to perform {ActionName}: the assertion's https://aws.amazon.com/SAML/Attributes/Role attribute does not offer {roleArnText} with {principalArn}.",
                403,
                "the assertion's Role attribute does not offer this (RoleArn, PrincipalArn) pair");
        }

        var tags = SessionTags(assertion);
        AddMappedTags(tags, provider, assertion);
        var transitive = assertion.TransitiveTagKeys.Where(k => tags.Any(t => string.Equals(t.Key, k, StringComparison.OrdinalIgnoreCase))).ToList();
        RoleSessionIssuer.CheckBeforeLookup(parameters, tags);

        var role = await store.ReadAsync((r, t) => r.Roles.GetAsync(roleArn.Account, roleName, t), ct);
        if (role is null || !string.Equals(role.Arn, roleArnText, StringComparison.Ordinal))
        {
            // As for AssumeRole: an unknown role is an AccessDenied like any other, without saying which.
            throw Refused(AwsErrorCodes.AccessDenied, $"Not authorized to perform {ActionName}", 403, $"ImplicitDeny {ActionName} on {roleArnText}: the role does not exist");
        }

        var keys = ConditionKeys(assertion, provider, tags);
        var principal = PrincipalInfo.IdentityProviderUser(PrincipalType.SamlUser, provider.Arn);
        var trust = new ResourcePolicy(role.AssumeRolePolicyDocument, role.RoleName + " trust policy", true);
        await AuthorizeAsync(context, principal, ActionName, role.Arn, keys, trust, ct);
        if (tags.Count > 0)
        {
            // Session tags from the identity provider need sts:TagSession in the trust policy too, as in AWS.
            await AuthorizeAsync(context, principal, "sts:TagSession", role.Arn, keys, trust, ct);
        }

        // More than the role's maximum is the issuer's ValidationError, as for AssumeRole.
        var duration = Duration(parameters.DurationSeconds, assertion, role, now);

        // Accepted once: remembered (by every node sharing the store) until the assertion could no longer be used anyway. The
        // ID is recorded in the transaction that creates the session, so a session that cannot be created (a session policy
        // ARN that does not exist) leaves the assertion usable, and a replay, even one racing the first use, creates nothing.
        var issued = await _issuer.IssueAsync(
            new RoleSessionRequest(role, assertion.RoleSessionName, parameters with { DurationSeconds = duration }, tags, transitive, assertion.SourceIdentity),
            ct,
            async (w, t) =>
            {
                if (!await w.IdentityProviders.TryRecordSamlAssertionAsync(provider.Arn, assertion.AssertionId, assertion.ReplayUntil, now, t))
                {
                    throw Refused("InvalidIdentityToken", "This SAML assertion has already been used: sign in at the identity provider again.", 400,
                        "replayed assertion (its ID was used before)");
                }
            });
        var nameQualifier = SamlConditionKeys.NameQualifier(assertion.Issuer, provider.AccountId, provider.Name);
        return new ActionOutcome(xml =>
        {
            issued.WriteCredentialsAndUser(xml);
            xml.WriteInt32("PackedPolicySize", issued.PackedPolicySize);
            xml.WriteString("Subject", assertion.NameId);
            xml.WriteString("SubjectType", assertion.SubjectType);
            xml.WriteString("Issuer", assertion.Issuer);
            xml.WriteString("Audience", assertion.Recipient);
            xml.WriteString("NameQualifier", nameQualifier);
            xml.WriteString("SourceIdentity", assertion.SourceIdentity);
        }).Recording(
        [
            .. issued.AuditElements(),
            ("provider", provider.Arn),
            ("subject", assertion.NameId),
            ("subjectType", assertion.SubjectType),
            ("issuer", assertion.Issuer),
            ("audience", assertion.Recipient),
            ("sessionTags", tags.Count == 0 ? null : string.Join(", ", tags.Select(t => $"{t.Key}={t.Value}"))),
            ("sourceIdentity", assertion.SourceIdentity),
        ]);
    }

    private SamlMetadata Metadata(SamlProvider provider)
    {
        if (_metadata.TryGetValue(provider.Arn, out var cached) && string.Equals(cached.Document, provider.MetadataDocument, StringComparison.Ordinal))
        {
            return cached.Metadata;
        }

        var parsed = SamlMetadata.Parse(provider.MetadataDocument);
        if (parsed.Metadata is null)
        {
            // CreateSAMLProvider/UpdateSAMLProvider refuse such documents; one stored before that rule is refused here.
            throw Refused("InvalidIdentityToken", $"The SAML provider's metadata cannot be used: {parsed.Error}", 400, "unusable provider metadata");
        }

        _metadata[provider.Arn] = (provider.MetadataDocument, parsed.Metadata);
        return parsed.Metadata;
    }

    private static List<Tag> SessionTags(VerifiedSamlAssertion assertion)
    {
        var tags = new List<Tag>();
        foreach (var (key, value) in assertion.PrincipalTags)
        {
            if (!StsParameterRules.IsSessionTag(key, value))
            {
                throw Refused("InvalidIdentityToken",
                    $"The SAML attribute PrincipalTag:{key} is not a valid session tag: keys are 1-128 and values 0-256 letters, digits, spaces and _.:/=+-@.",
                    400, "invalid session tag in the assertion");
            }

            tags.Add(new Tag(key, value));
        }

        return tags;
    }

    /// <summary>
    /// IamDb's group mapping (<see cref="GroupMapping"/>): the provider's <c>iamdb:map/</c> tags turn attributes (by
    /// <c>Name</c>) into session tags. A tag the identity provider sent itself as <c>PrincipalTag:*</c> wins over a mapped
    /// one with the same key (compared without case, as session tag keys are): the IdP's explicit AWS tag is the more
    /// deliberate statement. Web identity applies the same rule to the token's <c>principal_tags</c>.
    /// </summary>
    private static void AddMappedTags(List<Tag> tags, SamlProvider provider, VerifiedSamlAssertion assertion)
    {
        var mapped = GroupMapping.Map(provider.Tags.Select(t => KeyValuePair.Create(t.Key, t.Value)), assertion.Attributes);
        foreach (var (key, values) in mapped)
        {
            if (tags.Exists(t => string.Equals(t.Key, key, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var value = GroupMapping.Join(values);
            if (!StsParameterRules.IsSessionTag(key, value))
            {
                throw Refused("InvalidIdentityToken",
                    $"The provider's iamdb:map/ tags map the assertion's attributes to the session tag {key}, which is not a valid session tag: keys are 1-128 and values 0-256 letters, digits, spaces and _.:/=+-@.",
                    400, "invalid mapped session tag");
            }

            tags.Add(new Tag(key, value));
        }
    }

    private static Dictionary<string, IReadOnlyList<string>> ConditionKeys(VerifiedSamlAssertion assertion, SamlProvider provider, List<Tag> tags)
    {
        var keys = new Dictionary<string, IReadOnlyList<string>>(SamlConditionKeys.For(assertion, provider.AccountId, provider.Name), StringComparer.OrdinalIgnoreCase)
        {
            ["sts:RoleSessionName"] = [assertion.RoleSessionName],
        };
        if (assertion.SourceIdentity is not null)
        {
            keys["sts:SourceIdentity"] = [assertion.SourceIdentity];
        }

        if (tags.Count > 0)
        {
            keys["aws:TagKeys"] = tags.Select(t => t.Key).ToList();
            foreach (var tag in tags)
            {
                keys["aws:RequestTag/" + tag.Key] = [tag.Value];
            }
        }

        if (assertion.TransitiveTagKeys.Count > 0)
        {
            keys["sts:TransitiveTagKeys"] = assertion.TransitiveTagKeys;
        }

        return keys;
    }

    /// <summary>
    /// <c>DurationSeconds</c> when given (the role's maximum then applies as in AssumeRole), else the assertion's
    /// <c>SessionDuration</c> capped by the role's maximum, else one hour; never past <c>SessionNotOnOrAfter</c>.
    /// </summary>
    private static int Duration(int? requested, VerifiedSamlAssertion assertion, IamRole role, DateTimeOffset now)
    {
        var seconds = requested ?? Math.Min(assertion.SessionDurationSeconds ?? 3600, role.MaxSessionDuration);
        if (requested is not null && assertion.SessionDurationSeconds is { } fromIdp)
        {
            seconds = Math.Min(seconds, fromIdp);
        }

        if (assertion.SessionNotOnOrAfter is { } end)
        {
            seconds = (int)Math.Min(seconds, Math.Max(1, Math.Floor((end - now).TotalSeconds)));
        }

        return seconds;
    }

    private static async ValueTask AuthorizeAsync(
        ActionContext context, PrincipalInfo principal, string action, string roleArn, IReadOnlyDictionary<string, IReadOnlyList<string>> keys,
        ResourcePolicy trust, CancellationToken ct)
    {
        var decision = await context.Authorization.DecideForFederatedPrincipalAsync(principal, action, roleArn, keys, trust, ct);
        if (decision.Denial is not null)
        {
            throw new AwsErrorException(new AwsError(AwsErrorCodes.AccessDenied, $"Not authorized to perform {action}", 403))
            {
                Notes = [decision.AuditText],
            };
        }
    }

    private static AwsErrorException Refused(string code, string message, int status, string why) =>
        new(new AwsError(code, message, status)) { Notes = [$"{code}: {why}"] };
}
