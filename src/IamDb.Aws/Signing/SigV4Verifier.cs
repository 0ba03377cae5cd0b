using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using IamDb.Aws.Errors;

namespace IamDb.Aws.Signing;

/// <summary>
/// Verifies AWS Signature Version 4 on received requests (header and presigned-query forms) by the rules of
/// non-S3 services. Never throws on bad input: every problem becomes the AWS error a real service would return.
/// Thread-safe; create one per application.
/// </summary>
/// <remarks>
/// Choices where AWS's behaviour for non-S3 services is not documented: an <c>X-Amz-Content-SHA256</c> that is not
/// the body's hash is <c>SignatureDoesNotMatch</c> (403), which is what a non-S3 service produces since it signs the
/// real body hash; an <c>X-Amz-Expires</c> outside 1…604800 is <c>IncompleteSignature</c> (400) with S3's wording;
/// an expired presigned URL is <c>RequestExpired</c> (400); a wrong scope date, region, service or terminator is
/// <c>SignatureDoesNotMatch</c> (403) with AWS's "Credential should be scoped…" wording.
/// </remarks>
internal sealed partial class SigV4Verifier
{
    private readonly ISigningSecretSource _secrets;
    private readonly TimeProvider _time;
    private readonly SigningKeyCache _keys;
    private readonly BoundedStringPool _strings = new(4096);
    private readonly HashSet<string>? _allowedServices;
    private readonly string? _allowedServicesText;
    private readonly TimeSpan _skew;
    private readonly bool _includeDetails;
    private readonly bool _requireSignedToken;
    private readonly int _maxRawTarget;
    private readonly int _maxHeaders;
    private readonly int _maxHeaderValue;
    private readonly int _maxSignedHeaders;
    private readonly int _maxQueryParameters;

    /// <summary>Creates a verifier.</summary>
    /// <param name="secrets">Looks up access keys (the broker's key store).</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="options">Settings; validated here. Later changes to the object have no effect.</param>
    public SigV4Verifier(ISigningSecretSource secrets, TimeProvider? timeProvider = null, SigV4VerifierOptions? options = null)
    {
        _secrets = secrets ?? throw new ArgumentNullException(nameof(secrets));
        _time = timeProvider ?? TimeProvider.System;
        options ??= new SigV4VerifierOptions();
        options.Validate();
        _keys = new SigningKeyCache(options.SigningKeyCacheCapacity);
        _skew = options.AllowedClockSkew;
        _includeDetails = options.IncludeCanonicalRequestInSignatureMismatch;
        _requireSignedToken = options.RequireSignedSecurityToken;
        _maxRawTarget = options.MaxRawTargetLength;
        _maxHeaders = options.MaxHeaderCount;
        _maxHeaderValue = options.MaxHeaderValueLength;
        _maxSignedHeaders = options.MaxSignedHeaders;
        _maxQueryParameters = options.MaxQueryParameters;
        if (options.AllowedServices is { Count: > 0 } services)
        {
            _allowedServices = new HashSet<string>(services, StringComparer.Ordinal);
            _allowedServicesText = string.Join(", ", services.Select(s => $"'{s}'"));
        }
    }

    /// <summary>Number of derived signing keys currently cached (for tests and metrics).</summary>
    internal int CachedSigningKeys => _keys.Count;

    /// <summary>Verifies <paramref name="request"/>'s signature.</summary>
    /// <param name="request">The request exactly as received.</param>
    /// <param name="cancellationToken">Cancels the secret lookup.</param>
    /// <returns>The signer's identity, or the AWS error to answer with.</returns>
    public ValueTask<SigV4VerificationResult> VerifyAsync(SigV4ReceivedRequest request, CancellationToken cancellationToken = default) =>
        VerifyAsync(request, _secrets, cancellationToken);

    /// <summary>
    /// Verifies <paramref name="request"/>'s signature, looking the key up in <paramref name="secrets"/> instead of the source
    /// given at construction: a caller can pass a per-request source that keeps, typed, what it found about the key.
    /// </summary>
    /// <param name="request">The request exactly as received.</param>
    /// <param name="secrets">Looks up the access key of this request.</param>
    /// <param name="cancellationToken">Cancels the secret lookup.</param>
    /// <returns>The signer's identity, or the AWS error to answer with.</returns>
    public ValueTask<SigV4VerificationResult> VerifyAsync(SigV4ReceivedRequest request, ISigningSecretSource secrets, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        if (request.Method is null)
        {
            throw new ArgumentException("The request is not initialised.", nameof(request));
        }

        var failure = Prepare(request, out var pending);
        if (failure is not null)
        {
            return ValueTask.FromResult(failure.WithAttemptedAccessKeyId(AttemptedAccessKeyId(request)));
        }

        var lookup = secrets.FindAsync(pending.AccessKeyId, pending.SessionToken, cancellationToken);
        return lookup.IsCompletedSuccessfully
            ? ValueTask.FromResult(Complete(ref pending, lookup.Result))
            : CompleteAsync(lookup, pending);
    }

    private async ValueTask<SigV4VerificationResult> CompleteAsync(ValueTask<SigningSecretLookup> lookup, Pending pending)
    {
        var found = await lookup;
        return Complete(ref pending, found);
    }

    private SigV4VerificationResult Complete(ref Pending pending, SigningSecretLookup lookup)
    {
        switch (lookup.Status)
        {
            case SigningSecretStatus.Found when lookup.SecretAccessKey is not null:
                break;
            case SigningSecretStatus.ExpiredSessionToken:
                return SigV4VerificationResult.Failure(SigV4FailureReason.ExpiredSessionToken, SigV4Errors.ExpiredToken, pending.AccessKeyId);
            case SigningSecretStatus.InvalidSessionToken:
                return SigV4VerificationResult.Failure(SigV4FailureReason.InvalidSessionToken, SigV4Errors.InvalidClientTokenId, pending.AccessKeyId);
            default:
                return SigV4VerificationResult.Failure(SigV4FailureReason.UnknownAccessKey, SigV4Errors.InvalidClientTokenId, pending.AccessKeyId);
        }

        var date = pending.SigningTime.Year * 10000 + pending.SigningTime.Month * 100 + pending.SigningTime.Day;
        if (!_keys.TryGet(pending.AccessKeyId, date, pending.Region, pending.Service, lookup.KeyStamp, out var key))
        {
            key = new byte[SigningKey.Size];
            SigningKey.Derive(lookup.SecretAccessKey, pending.AmzDate.AsSpan(0, 8), pending.Region, pending.Service, key);
            _keys.Add(pending.AccessKeyId, date, pending.Region, pending.Service, lookup.KeyStamp, key);
        }

        var stringToSign = new Utf8Builder(stackalloc byte[256]);
        try
        {
            SignatureComputation.WriteStringToSign(
                ref stringToSign, pending.AmzDate, pending.Region, pending.Service, pending.CanonicalRequestHash);
            Span<byte> expected = stackalloc byte[64];
            SignatureComputation.WriteSignatureHex(key, stringToSign.Written, expected);

            var provided = pending.SignatureSource.AsSpan(pending.SignatureStart, pending.SignatureLength);
            Span<byte> providedBytes = stackalloc byte[64];
            var matches = provided.Length == 64 &&
                          System.Text.Encoding.ASCII.GetBytes(provided, providedBytes) == 64 &&
                          CryptographicOperations.FixedTimeEquals(expected, providedBytes);
            if (!matches)
            {
                var error = _includeDetails && pending.CanonicalRequest is not null
                    ? SigV4Errors.SignatureMismatchWithDetails(
                        pending.CanonicalRequest, System.Text.Encoding.UTF8.GetString(stringToSign.Written))
                    : SigV4Errors.SignatureMismatch;
                return SigV4VerificationResult.Failure(SigV4FailureReason.SignatureMismatch, error, pending.AccessKeyId);
            }
        }
        finally
        {
            stringToSign.Dispose();
        }

        return SigV4VerificationResult.Success(new SigV4Identity(
            pending.AccessKeyId, pending.SessionToken, pending.Region, pending.Service, pending.SigningTime, pending.Kind, lookup.Context));
    }

    private static readonly System.Buffers.SearchValues<char> CredentialKeyEnd = System.Buffers.SearchValues.Create("/%,&; ");

    private static SigV4VerificationResult Fail(SigV4FailureReason reason, AwsError error) => SigV4VerificationResult.Failure(reason, error);

    /// <summary>
    /// The access key id a failed request named (Authorization's <c>Credential=</c> or <c>X-Amz-Credential</c>), read again on
    /// the failure path only so that verification of good requests does no extra work; null unless it has a key id's shape.
    /// </summary>
    private static string? AttemptedAccessKeyId(in SigV4ReceivedRequest request)
    {
        ReadOnlySpan<char> credential = [];
        foreach (var (name, value) in request.Headers)
        {
            if (name is not null && value is not null && name.Equals(SigV4Constants.AuthorizationHeader, StringComparison.OrdinalIgnoreCase))
            {
                var at = value.IndexOf("Credential=", StringComparison.Ordinal);
                credential = at < 0 ? [] : value.AsSpan(at + "Credential=".Length);
                break;
            }
        }

        if (credential.IsEmpty)
        {
            var query = request.RawTarget.AsSpan();
            var marker = SigV4Constants.CredentialParameter + "=";
            var at = query.IndexOf(marker, StringComparison.Ordinal);
            credential = at < 0 ? [] : query[(at + marker.Length)..];
        }

        var end = credential.IndexOfAny(CredentialKeyEnd);
        var key = end < 0 ? credential : credential[..end];
        return key.IsEmpty || key.Length > 128 || key.ContainsAnyExcept(AccessKeyIdChars) ? null : key.ToString();
    }

    /// <summary>Everything the synchronous checks found, carried across the (possibly asynchronous) secret lookup.</summary>
    private struct Pending
    {
        public string AccessKeyId;
        public string? SessionToken;
        public string Region;
        public string Service;
        public string AmzDate;
        public DateTimeOffset SigningTime;
        public SigV4AuthenticationKind Kind;
        public Sha256Hash CanonicalRequestHash;
        public string SignatureSource;
        public int SignatureStart;
        public int SignatureLength;
        public string? CanonicalRequest;
    }

    [InlineArray(32)]
    private struct Sha256Hash
    {
        private byte _element;
    }
}
