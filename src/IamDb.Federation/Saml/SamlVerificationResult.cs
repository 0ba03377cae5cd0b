namespace IamDb.Federation.Saml;

/// <summary>The outcome of <see cref="SamlResponseVerifier.Verify"/>: exactly one of the two is set.</summary>
/// <param name="Assertion">The verified assertion; null when refused.</param>
/// <param name="Failure">Why the response was refused (which check failed), never quoting the response; null when accepted.</param>
internal sealed record SamlVerificationResult(VerifiedSamlAssertion? Assertion, FederationFailure? Failure)
{
    internal static SamlVerificationResult Invalid(string message) =>
        new(null, new FederationFailure(FederationFailureKind.InvalidIdentityToken, message));

    internal static SamlVerificationResult Expired(string message) =>
        new(null, new FederationFailure(FederationFailureKind.ExpiredToken, message));

    internal static SamlVerificationResult Rejected(string message) =>
        new(null, new FederationFailure(FederationFailureKind.RejectedClaim, message));
}
