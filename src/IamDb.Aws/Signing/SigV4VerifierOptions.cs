namespace IamDb.Aws.Signing;

/// <summary>Settings of <see cref="SigV4Verifier"/>; the defaults match AWS.</summary>
internal sealed class SigV4VerifierOptions
{
    /// <summary>How far the signing time may be from the server clock, either way.</summary>
    /// <value>The default value is 15 minutes (what STS, IAM and Redshift allow).</value>
    public TimeSpan AllowedClockSkew { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Services accepted in the credential scope, or null for any syntactically valid name.</summary>
    /// <value>The default value is null.</value>
    public IReadOnlyCollection<string>? AllowedServices { get; set; }

    /// <summary>
    /// Append the canonical request and string to sign to <c>SignatureDoesNotMatch</c>, as real STS does. They contain
    /// no secret key, but do contain signed header values (e.g. a session token), so this is off by default.
    /// </summary>
    /// <value>The default value is false.</value>
    public bool IncludeCanonicalRequestInSignatureMismatch { get; set; }

    /// <summary>
    /// Reject header-signed requests whose <c>X-Amz-Security-Token</c> header is not signed. Every current SDK signs
    /// it; the test suite's <c>post-sts-header-after</c> case shows the legacy form that adds it after signing.
    /// </summary>
    /// <value>The default value is true.</value>
    public bool RequireSignedSecurityToken { get; set; } = true;

    /// <summary>How many derived signing keys to keep (one per access key, day, region, service and key stamp).</summary>
    /// <value>The default value is 10,000.</value>
    public int SigningKeyCacheCapacity { get; set; } = 10_000;

    /// <summary>Longest accepted request target (path and query), in characters.</summary>
    /// <value>The default value is 16,384.</value>
    public int MaxRawTargetLength { get; set; } = 16 * 1024;

    /// <summary>Most headers accepted.</summary>
    /// <value>The default value is 128.</value>
    public int MaxHeaderCount { get; set; } = 128;

    /// <summary>Longest value of a header the verifier reads or signs, in characters (session tokens can exceed 1,000).</summary>
    /// <value>The default value is 16,384.</value>
    public int MaxHeaderValueLength { get; set; } = 16 * 1024;

    /// <summary>Most headers in <c>SignedHeaders</c>.</summary>
    /// <value>The default value is 64.</value>
    public int MaxSignedHeaders { get; set; } = 64;

    /// <summary>Most query parameters.</summary>
    /// <value>The default value is 1,000.</value>
    public int MaxQueryParameters { get; set; } = 1000;

    /// <summary>Throws when a setting is out of range, listing every problem.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (AllowedClockSkew <= TimeSpan.Zero || AllowedClockSkew > TimeSpan.FromHours(1))
        {
            errors.Add($"{nameof(AllowedClockSkew)} must be more than zero and at most one hour.");
        }

        Positive(SigningKeyCacheCapacity, nameof(SigningKeyCacheCapacity));
        Positive(MaxRawTargetLength, nameof(MaxRawTargetLength));
        Positive(MaxHeaderCount, nameof(MaxHeaderCount));
        Positive(MaxHeaderValueLength, nameof(MaxHeaderValueLength));
        Positive(MaxSignedHeaders, nameof(MaxSignedHeaders));
        Positive(MaxQueryParameters, nameof(MaxQueryParameters));
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid SigV4 verifier options: " + string.Join(" ", errors));
        }

        void Positive(int value, string name)
        {
            if (value <= 0)
            {
                errors.Add($"{name} must be positive.");
            }
        }
    }
}
