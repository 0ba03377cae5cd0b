namespace IamDb.Federation.Saml;

/// <summary>
/// What a SAML response must say to be accepted here: the audiences and recipients this broker answers to, and the
/// clock skew allowed between the identity provider and the broker.
/// </summary>
/// <param name="Audiences">Accepted <c>AudienceRestriction/Audience</c> values; every restriction in the assertion
/// must name one of them.</param>
/// <param name="Recipients">Accepted <c>SubjectConfirmationData/@Recipient</c> (and <c>Response/@Destination</c>)
/// values.</param>
/// <param name="ClockSkew">Tolerance applied to <c>NotBefore</c> and <c>NotOnOrAfter</c> in both directions.</param>
internal sealed record SamlExpectations(IReadOnlyList<string> Audiences, IReadOnlyList<string> Recipients, TimeSpan ClockSkew)
{
    /// <summary>AWS's SAML endpoint: the audience and recipient that identity-provider apps made for AWS send.</summary>
    public const string AwsSignInUrl = "https://signin.aws.amazon.com/saml";

    /// <summary>
    /// The default skew: one minute. Identity providers stamp <c>NotBefore</c> at issue time and browsers post the
    /// response within seconds, so a minute covers ordinary clock drift without stretching an assertion's life.
    /// </summary>
    public static readonly TimeSpan DefaultClockSkew = TimeSpan.FromMinutes(1);

    /// <summary>AWS's defaults: audience and recipient <see cref="AwsSignInUrl"/>, skew <see cref="DefaultClockSkew"/>.</summary>
    public static SamlExpectations Aws { get; } = new([AwsSignInUrl], [AwsSignInUrl], DefaultClockSkew);

    /// <summary>
    /// The broker's expectations: AWS's sign-in URL plus an optional configured audience (used as both audience and
    /// recipient), so apps made for AWS keep working when a broker-specific audience is configured.
    /// </summary>
    public static SamlExpectations For(string? configuredAudience, TimeSpan? clockSkew = null)
    {
        var skew = clockSkew ?? DefaultClockSkew;
        return string.IsNullOrWhiteSpace(configuredAudience) || configuredAudience == AwsSignInUrl
            ? new([AwsSignInUrl], [AwsSignInUrl], skew)
            : new([AwsSignInUrl, configuredAudience], [AwsSignInUrl, configuredAudience], skew);
    }
}
