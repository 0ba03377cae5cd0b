namespace IamDb.Federation.Saml;

/// <summary>One entry of the AWS <c>Role</c> attribute: a role the subject may assume through a SAML provider.</summary>
/// <param name="RoleArn">The role's ARN (<c>arn:aws:iam::ACCOUNT:role/NAME</c>).</param>
/// <param name="ProviderArn">The SAML provider's ARN (<c>arn:aws:iam::ACCOUNT:saml-provider/NAME</c>).</param>
internal sealed record SamlRolePair(string RoleArn, string ProviderArn);

/// <summary>
/// A SAML assertion whose signature, issuer, audience, recipient and validity window were checked. Every value here
/// was read from the one signed assertion (or the signed response around it), never from elsewhere in the document.
/// </summary>
internal sealed record VerifiedSamlAssertion
{
    /// <summary>The assertion's <c>ID</c>: the replay key (remember it, with <see cref="Issuer"/>, until <see cref="ReplayUntil"/>).</summary>
    public required string AssertionId { get; init; }

    /// <summary>The assertion's <c>Issuer</c>, equal to the provider metadata's entity id.</summary>
    public required string Issuer { get; init; }

    /// <summary>The <c>Subject/NameID</c> text: STS's <c>Subject</c> and the <c>SAML:sub</c> key.</summary>
    public required string NameId { get; init; }

    /// <summary>The <c>NameID/@Format</c> URI; <c>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</c> when absent.</summary>
    public required string NameIdFormat { get; init; }

    /// <summary><c>NameID/@NameQualifier</c>, when the identity provider sent one.</summary>
    public string? NameIdNameQualifier { get; init; }

    /// <summary><c>NameID/@SPNameQualifier</c>, when the identity provider sent one.</summary>
    public string? NameIdSpNameQualifier { get; init; }

    /// <summary>
    /// STS's <c>SubjectType</c> and the <c>SAML:sub_type</c> key: the format with the
    /// <c>urn:oasis:names:tc:SAML:2.0:nameid-format:</c> prefix removed (<c>persistent</c>, <c>transient</c>), any
    /// other format as it is.
    /// </summary>
    public string SubjectType => NameIdFormat.StartsWith(SamlNames.NameIdFormat20Prefix, StringComparison.Ordinal)
        ? NameIdFormat[SamlNames.NameIdFormat20Prefix.Length..]
        : NameIdFormat;

    /// <summary>The accepted audience the assertion named (from <see cref="SamlExpectations.Audiences"/>).</summary>
    public required string Audience { get; init; }

    /// <summary>
    /// The accepted <c>SubjectConfirmationData/@Recipient</c>: what AWS returns as STS's <c>Audience</c> and uses as
    /// <c>SAML:aud</c>.
    /// </summary>
    public required string Recipient { get; init; }

    /// <summary>The earliest of <c>Conditions/@NotOnOrAfter</c> and the bearer confirmation's <c>NotOnOrAfter</c>.</summary>
    public required DateTimeOffset NotOnOrAfter { get; init; }

    /// <summary>Until when the replay key must be remembered: <see cref="NotOnOrAfter"/> plus the clock skew.</summary>
    public required DateTimeOffset ReplayUntil { get; init; }

    /// <summary><c>AuthnStatement/@SessionNotOnOrAfter</c>: the session must end by then, when present.</summary>
    public DateTimeOffset? SessionNotOnOrAfter { get; init; }

    /// <summary>The <c>https://aws.amazon.com/SAML/Attributes/Role</c> pairs, in either order in the assertion.</summary>
    public required IReadOnlyList<SamlRolePair> Roles { get; init; }

    /// <summary>The <c>RoleSessionName</c> attribute (2–64 of <c>[\w+=,.@-]</c>).</summary>
    public required string RoleSessionName { get; init; }

    /// <summary>The <c>SessionDuration</c> attribute in seconds (900–43200), when present.</summary>
    public int? SessionDurationSeconds { get; init; }

    /// <summary>The <c>SourceIdentity</c> attribute, when present.</summary>
    public string? SourceIdentity { get; init; }

    /// <summary>Session tags from the <c>PrincipalTag:KEY</c> attributes (one value each), by key.</summary>
    public required IReadOnlyDictionary<string, string> PrincipalTags { get; init; }

    /// <summary>The <c>TransitiveTagKeys</c> attribute's values.</summary>
    public required IReadOnlyList<string> TransitiveTagKeys { get; init; }

    /// <summary>Every attribute by its <c>Name</c> (ordinal), values as trimmed strings in document order.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<string>> Attributes { get; init; }
}
