using IamDb.Aws.Arns;
using IamDb.Aws.Errors;
using IamDb.Aws.Identifiers;
using IamDb.Aws.Query;
using IamDb.Broker.Authorization;
using IamDb.Broker.Federation;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;
using IamDb.Federation;
using IamDb.Federation.Jose;
using IamDb.Federation.WebIdentity;
using IamDb.Policy.Evaluation;

using static IamDb.Broker.Actions.Sts.StsParameterRules;

namespace IamDb.Broker.Actions.Sts;

/// <summary>
/// <c>sts:AssumeRoleWithWebIdentity</c>, accepted unsigned: the OpenID Connect token is the credential. In order: the
/// token is read unverified for its <c>iss</c> and <c>kid</c>; the provider registered for that issuer in the role's
/// account is looked up (none → <c>InvalidIdentityToken</c>); its keys are fetched or taken from the cache
/// (<see cref="OidcKeySource"/>; unreachable → <c>IDPCommunicationError</c>); the token is verified
/// (<see cref="WebIdentityTokenVerifier"/>: signature, algorithm, <c>aud</c> among the client ids, times); the role's trust
/// policy must allow <c>sts:AssumeRoleWithWebIdentity</c> (and <c>sts:TagSession</c> with session tags, the token's own and
/// those the provider's <c>iamdb:map/</c> tags derive from its claims) for the provider by itself, with the token's claims
/// as condition keys; then the session is an ordinary role session (<see cref="RoleSessionIssuer"/>). Nothing is written before every check has passed.
/// </summary>
internal sealed class AssumeRoleWithWebIdentityHandler(
    IStateStore store, TimeProvider time, IdentifierGenerator ids, OidcKeySource keySource) : IActionHandler
{
    /// <summary>The action a trust policy must allow.</summary>
    public const string TrustAction = "sts:AssumeRoleWithWebIdentity";

    /// <summary>The claim AWS reads a source identity from.</summary>
    public const string SourceIdentityClaim = "https://aws.amazon.com/source_identity";

    private const int MaxSessionTags = 50;

    private static readonly StringConstraints Token = new(4, 20_000, sensitive: true);
    private static readonly StringConstraints ProviderId = new(4, 2048);

    private readonly RoleSessionIssuer _issuer = new(store, time, ids);

    public string Service => "sts";

    public string Action => "AssumeRoleWithWebIdentity";

    public async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = new QueryParameterReader(context.Request.Parameters, QueryValidationStyle.ValidationError);
        var roleArnText = reader.RequiredString("RoleArn", RoleArn);
        var sessionName = reader.RequiredString("RoleSessionName", SessionName);
        var tokenText = reader.RequiredString("WebIdentityToken", Token);
        reader.OptionalString("ProviderId", ProviderId); // OAuth 2.0 access tokens (Amazon, Facebook) are not supported; ignored as for OIDC
        var sessionParameters = SessionPolicyParameters.Read(reader);
        if (reader.TryGetError(out var error))
        {
            throw new AwsErrorException(error);
        }

        var (roleArn, roleName) = StsParameterRules.ParseRoleArn(roleArnText);

        RoleSessionIssuer.CheckBeforeLookup(sessionParameters, []);

        // 1. Read the token unverified: only to choose the provider and the key.
        if (!JwtReader.TryRead(tokenText, out var jwt, out var readFailure))
        {
            throw Refused(readFailure, "the token could not be read");
        }

        var issuerText = jwt.Issuer;
        if (issuerText is null || !OidcProviderUrl.TryParse(issuerText, out var url, out _))
        {
            throw Refused(
                new FederationFailure(FederationFailureKind.InvalidIdentityToken, $"No OpenIDConnect provider found in your account for {Shown(issuerText)}"),
                "the token's issuer (iss) is missing or not a provider URL");
        }

        // 2. The provider registered for the issuer, in the role's account, read now (never cached: a deleted provider is refused at once).
        var provider = await store.ReadAsync((r, t) => r.IdentityProviders.FindOpenIdConnectProviderByUrlAsync(roleArn.Account, url.HostAndPath, t), ct);
        if (provider is null)
        {
            throw Refused(
                new FederationFailure(FederationFailureKind.InvalidIdentityToken, $"No OpenIDConnect provider found in your account for {Shown(issuerText)}"),
                $"no OpenID Connect provider {url.HostAndPath} in account {roleArn.Account}");
        }

        // 3. Keys (cached; fetched over HTTPS when needed), 4. verification.
        JsonWebKeySet keys;
        try
        {
            keys = await keySource.GetKeysAsync(provider, url, jwt, ct);
        }
        catch (IdentityProviderUnreachableException ex)
        {
            throw new AwsErrorException(new AwsError(
                "IDPCommunicationError",
                "Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements",
                400))
            {
                Notes = [$"IDPCommunicationError for {provider.Arn}: {ex.Message}"],
            };
        }

        if (!WebIdentityTokenVerifier.TryVerify(jwt, keys, new WebIdentityExpectations(url, provider.ClientIds), time.GetUtcNow(), out var token, out var failure))
        {
            throw Refused(failure, $"verification against {provider.Arn} failed");
        }

        var tags = SessionTags(token);
        var mappedKeys = AddMappedTags(provider, token, tags);
        var sourceIdentity = SourceIdentity(token);

        // 5. The role and its trust policy, which must allow the provider's user by itself.
        var role = await store.ReadAsync((r, t) => r.Roles.GetAsync(roleArn.Account, roleName, t), ct);
        if (role is null || !string.Equals(role.Arn, roleArn.ToString(), StringComparison.Ordinal))
        {
            throw NotAuthorized(provider.Arn, token, "the role does not exist");
        }

        var principal = PrincipalInfo.IdentityProviderUser(PrincipalType.WebIdentityUser, provider.Arn, $"{url.HostAndPath}:{token.Audience}:{token.Subject}");
        var conditionKeys = ConditionKeys(url, provider.Arn, token, sessionName, tags, sourceIdentity);
        var trust = new ResourcePolicy(role.AssumeRolePolicyDocument, role.RoleName + " trust policy", true);
        var decision = await context.Authorization.DecideForFederatedPrincipalAsync(principal, TrustAction, role.Arn, conditionKeys, trust, ct);
        if (!decision.IsAllowed)
        {
            throw NotAuthorized(provider.Arn, token, "the role's trust policy does not allow it");
        }

        if (tags.Count > 0)
        {
            var tagging = await context.Authorization.DecideForFederatedPrincipalAsync(principal, "sts:TagSession", role.Arn, conditionKeys, trust, ct);
            if (!tagging.IsAllowed)
            {
                throw NotAuthorized(provider.Arn, token, "the token carries session tags and the trust policy does not allow sts:TagSession");
            }
        }

        // 6. An ordinary role session.
        var issued = await _issuer.IssueAsync(
            new RoleSessionRequest(role, sessionName, sessionParameters, tags, token.TransitiveTagKeys, sourceIdentity), ct);
        var subject = token.Subject;
        var audience = token.Audience;
        var issuer = token.Issuer;
        return new ActionOutcome(xml =>
        {
            // STS's member order: Credentials, SubjectFromWebIdentityToken, AssumedRoleUser, PackedPolicySize, Provider, Audience, SourceIdentity.
            issued.WriteCredentials(xml);
            xml.WriteString("SubjectFromWebIdentityToken", subject);
            issued.WriteAssumedRoleUser(xml);
            issued.WritePackedPolicySize(xml);
            xml.WriteString("Provider", issuer);
            xml.WriteString("Audience", audience);
            xml.WriteString("SourceIdentity", issued.SourceIdentity);
        })
        {
            Notes = [$"Federated sign-in through {provider.Arn}: sub {subject}, aud {audience}, iss {issuer}"],
        }.Recording(
        [
            .. issued.AuditElements(),
            ("identityProvider", provider.Arn),
            ("subject", subject),
            ("audience", audience),
            ("issuer", issuer),
            ("sessionTags", tags.Count == 0 ? null : string.Join(",", tags.Select(t => t.Key + "=" + t.Value))),
            ("mappedSessionTagKeys", mappedKeys.Count == 0 ? null : string.Join(",", mappedKeys)),
        ]);
    }

    /// <summary>The condition keys of the trust-policy decision: the token's claims under the provider's prefix and the session's keys.</summary>
    private static Dictionary<string, IReadOnlyList<string>> ConditionKeys(
        OidcProviderUrl url, string providerArn, VerifiedWebIdentityToken token, string sessionName, List<Tag> tags, string? sourceIdentity)
    {
        var keys = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            [url.ConditionKey("sub")] = [token.Subject],
            [url.ConditionKey("aud")] = [token.Audience],
            ["aws:FederatedProvider"] = [providerArn],
            ["sts:RoleSessionName"] = [sessionName],
        };
        if (token.AuthenticationMethods.Count > 0)
        {
            keys[url.ConditionKey("amr")] = token.AuthenticationMethods;
        }

        if (token.AuthorizedParty is { } azp)
        {
            keys[url.ConditionKey("azp")] = [azp];
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

        return keys;
    }

    /// <summary>The token's session tags (<c>principal_tags</c>), within IAM's tag rules; a token that breaks them is refused.</summary>
    private static List<Tag> SessionTags(VerifiedWebIdentityToken token)
    {
        if (token.PrincipalTags.Count > MaxSessionTags)
        {
            throw Refused(
                new FederationFailure(FederationFailureKind.InvalidIdentityToken, $"The web identity token carries more than {MaxSessionTags} session tags."),
                "too many session tags");
        }

        var tags = new List<Tag>(token.PrincipalTags.Count);
        foreach (var (key, value) in token.PrincipalTags)
        {
            if (!IsSessionTag(key, value))
            {
                throw Refused(
                    new FederationFailure(
                        FederationFailureKind.InvalidIdentityToken,
                        "A session tag in the web identity token breaks IAM's tag rules (key 1-128, value 0-256 characters of letters, digits, spaces and _.:/=+-@)."),
                    "a session tag breaks IAM's tag rules");
            }

            tags.Add(new Tag(key, value));
        }

        return tags;
    }

    /// <summary>
    /// Adds the session tags the provider's <c>iamdb:map/</c> tags derive from the token's claims (<see cref="GroupMapping"/>)
    /// to <paramref name="tags"/>. Precedence: a tag key the token sets itself through AWS's tag claim wins (keys compared
    /// case-insensitively, as session tag keys are); the mapping only fills keys the token left unset. Mapped tags are session
    /// tags like the token's: the same limits, <c>sts:TagSession</c> in the trust policy, visible as <c>aws:RequestTag/*</c>,
    /// never transitive. Returns the keys it added, for the audit.
    /// </summary>
    private static List<string> AddMappedTags(OpenIdConnectProvider provider, VerifiedWebIdentityToken token, List<Tag> tags)
    {
        var claims = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var tag in provider.Tags)
        {
            if (tag.Key.StartsWith(GroupMapping.MapPrefix, StringComparison.OrdinalIgnoreCase) && tag.Key.Length > GroupMapping.MapPrefix.Length)
            {
                var claim = tag.Key[GroupMapping.MapPrefix.Length..];
                claims[claim] = token.ClaimValues(claim);
            }
        }

        var added = new List<string>();
        if (claims.Count == 0)
        {
            return added;
        }

        var mapped = GroupMapping.Map(provider.Tags.Select(t => KeyValuePair.Create(t.Key, t.Value)), claims);
        foreach (var (key, values) in mapped)
        {
            if (tags.Exists(t => string.Equals(t.Key, key, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var value = GroupMapping.Join(values);
            if (!IsSessionTag(key, value))
            {
                throw Refused(
                    new FederationFailure(
                        FederationFailureKind.InvalidIdentityToken,
                        $"The session tag {Bounded(key)} that the identity provider's iamdb:map/ tags derive from the token breaks IAM's tag rules " +
                        "(key 1-128, value 0-256 characters); narrow the claim with an iamdb:map-filter/ or iamdb:map-prefix/ tag on the provider."),
                    $"the mapped session tag {Bounded(key)} breaks IAM's tag rules ({value.Length} characters)");
            }

            tags.Add(new Tag(key, value));
            added.Add(key);
        }

        if (tags.Count > MaxSessionTags)
        {
            throw Refused(
                new FederationFailure(
                    FederationFailureKind.InvalidIdentityToken,
                    $"The token's session tags and those the identity provider's iamdb:map/ tags derive from it are more than {MaxSessionTags}."),
                "too many session tags with the mapped ones");
        }

        return added;
    }

    private static string Bounded(string text) => text.Length <= 128 ? text : text[..128] + "…";

    private static string? SourceIdentity(VerifiedWebIdentityToken token)
    {
        var values = token.ClaimValues(SourceIdentityClaim);
        if (values.Count == 0)
        {
            return null;
        }

        if (values.Count > 1 || !Satisfies(StsParameterRules.SourceIdentity, values[0]) || values[0].StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
        {
            throw Refused(
                new FederationFailure(FederationFailureKind.InvalidIdentityToken, "The web identity token's source identity claim is not a valid SourceIdentity."),
                "invalid source identity claim");
        }

        return values[0];
    }

    /// <summary>AWS's answer when the trust policy (or the role) does not let the token's bearer in; the audit says why.</summary>
    private static AwsErrorException NotAuthorized(string providerArn, VerifiedWebIdentityToken token, string why) =>
        new(new AwsError(AwsErrorCodes.AccessDenied, $"Not authorized to perform {TrustAction}", 403))
        {
            Notes = [$"AccessDenied for {providerArn} (sub {token.Subject}, aud {token.Audience}): {why}"],
        };

    private static AwsErrorException Refused(FederationFailure failure, string check) =>
        new(new AwsError(failure.StsErrorCode, failure.Message, failure.Kind == FederationFailureKind.RejectedClaim ? 403 : 400))
        {
            Notes = [$"{failure.StsErrorCode}: {check}"],
        };

    /// <summary>An issuer as an error message may show it: not the token, and bounded.</summary>
    private static string Shown(string? issuer) =>
        issuer is null ? "(no iss claim)" : issuer.Length <= OidcProviderUrl.MaximumLength ? issuer : issuer[..OidcProviderUrl.MaximumLength] + "…";
}
