namespace IamDb.Federation;

/// <summary>Why a token or assertion was refused, in the terms of the STS error it becomes.</summary>
internal enum FederationFailureKind
{
    /// <summary>Malformed, badly signed or not meant for us: STS answers <c>InvalidIdentityToken</c>.</summary>
    InvalidIdentityToken,

    /// <summary>Past its expiry: STS answers <c>ExpiredTokenException</c>.</summary>
    ExpiredToken,

    /// <summary>Well formed and signed, but a claim is refused (audience, issuer): STS answers <c>IDPRejectedClaim</c>.</summary>
    RejectedClaim,
}

/// <summary>A refusal: its kind, and a message a person can act on that never quotes the token or assertion.</summary>
internal sealed record FederationFailure(FederationFailureKind Kind, string Message)
{
    /// <summary>The STS error code AWS answers with for this refusal.</summary>
    public string StsErrorCode => Kind switch
    {
        FederationFailureKind.ExpiredToken => "ExpiredTokenException",
        FederationFailureKind.RejectedClaim => "IDPRejectedClaim",
        _ => "InvalidIdentityToken",
    };
}
