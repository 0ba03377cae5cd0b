namespace IamDb.Federation.WebIdentity;

/// <summary>What a web identity token must say to be accepted for one registered OpenID Connect provider.</summary>
/// <param name="Issuer">The registered provider; the token's <c>iss</c> must normalize to exactly this.</param>
/// <param name="ClientIds">The provider's client ids (IAM's <c>ClientIDList</c>); the token's <c>aud</c> must contain one.</param>
internal sealed record WebIdentityExpectations(OidcProviderUrl Issuer, IReadOnlyCollection<string> ClientIds)
{
    /// <summary>The default tolerance for clocks that disagree: one minute.</summary>
    public static readonly TimeSpan DefaultClockSkew = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How far our clock may disagree with the provider's: a token is accepted until <c>exp</c> + skew, and from
    /// <c>nbf</c> − skew; an <c>iat</c> more than the skew in the future is refused.
    /// </summary>
    public TimeSpan ClockSkew { get; init; } = DefaultClockSkew;

    /// <summary>
    /// When set, a token whose <c>exp</c> lies further than this after its <c>iat</c> (or <c>nbf</c>) is refused,
    /// and such a token must carry <c>iat</c> or <c>nbf</c>. Null (the default) sets no limit: Kubernetes and CI
    /// tokens live minutes to a day and AWS sets none.
    /// </summary>
    public TimeSpan? MaximumLifetime { get; init; }
}
