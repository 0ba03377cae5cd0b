using System.Security.Cryptography;
using System.Text;
using IamDb.Aws.Encoding;

namespace IamDb.Aws.Signing;

/// <summary>
/// Signs requests with AWS Signature Version 4 for services other than S3 (IAM, STS, Redshift…): header form
/// (<c>Authorization</c>) and presigned query form. Pure: the signing time is an argument.
/// </summary>
public static class SigV4Signer
{
    // Hop-by-hop and proxy-rewritten headers that SDKs leave unsigned (botocore's and the .NET SDK's lists).
    private static readonly HashSet<string> UnsignedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "authorization", "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id", "amz-sdk-invocation-id", "amz-sdk-request",
    };

    /// <summary>Signs <paramref name="request"/> in header form.</summary>
    /// <param name="request">The request as it will be sent.</param>
    /// <param name="credentials">The key pair and optional session token (sent and signed as <c>X-Amz-Security-Token</c>).</param>
    /// <param name="region">The region of the credential scope, e.g. <c>us-east-1</c>.</param>
    /// <param name="service">The signing name of the service, e.g. <c>sts</c>.</param>
    /// <param name="signingTime">The signing time; the server accepts it within ±15 minutes of its clock.</param>
    /// <param name="addContentSha256Header">Also send and sign <c>X-Amz-Content-SHA256</c> (the .NET SDK always does).</param>
    public static SigV4HeaderSignature SignHeaders(
        SigV4Request request, SigningCredentials credentials, string region, string service, DateTimeOffset signingTime,
        bool addContentSha256Header = false)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(credentials);
        ValidateScope(region, service);

        var amzDate = AmzDate.Format(signingTime);
        var payloadHash = HashHex(request.Body.Span);
        var headers = CollectHeaders(request, credentials.SessionToken is not null, addContentSha256Header);
        var added = new List<KeyValuePair<string, string>> { new(SigV4Constants.AmzDateHeader, amzDate) };
        headers.Add(new("x-amz-date", amzDate, headers.Count));
        if (credentials.SessionToken is not null)
        {
            added.Add(new(SigV4Constants.SecurityTokenHeader, credentials.SessionToken));
            headers.Add(new("x-amz-security-token", credentials.SessionToken, headers.Count));
        }

        if (addContentSha256Header)
        {
            added.Add(new(SigV4Constants.ContentSha256Header, payloadHash));
            headers.Add(new("x-amz-content-sha256", payloadHash, headers.Count));
        }

        headers.Sort();
        var signedHeaders = JoinNames(headers);
        var (canonicalRequest, stringToSign, signature) =
            Compute(request, request.RawQuery, headers, signedHeaders, payloadHash, credentials, region, service, amzDate);

        var authorization = $"{SigV4Constants.Algorithm} Credential={credentials.AccessKeyId}/{amzDate[..8]}/{region}/{service}/" +
                            $"{SigV4Constants.Terminator}, SignedHeaders={signedHeaders}, Signature={signature}";
        added.Add(new(SigV4Constants.AuthorizationHeader, authorization));
        return new SigV4HeaderSignature(added, authorization, signature, canonicalRequest, stringToSign);
    }

    /// <summary>Presigns <paramref name="request"/>: the returned query carries the credentials and signature.</summary>
    /// <param name="request">The request as it will be sent (usually a GET with no body).</param>
    /// <param name="credentials">The key pair and optional session token (sent as <c>X-Amz-Security-Token</c> and signed).</param>
    /// <param name="region">The region of the credential scope.</param>
    /// <param name="service">The signing name of the service.</param>
    /// <param name="signingTime">The signing time (<c>X-Amz-Date</c>).</param>
    /// <param name="expiresIn">How long the URL stays valid: 1 second to 7 days, whole seconds.</param>
    public static SigV4PresignedRequest Presign(
        SigV4Request request, SigningCredentials credentials, string region, string service, DateTimeOffset signingTime,
        TimeSpan expiresIn)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(credentials);
        ValidateScope(region, service);
        var expiresSeconds = (long)expiresIn.TotalSeconds;
        ArgumentOutOfRangeException.ThrowIfLessThan(expiresSeconds, 1, nameof(expiresIn));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(expiresSeconds, SigV4Constants.MaxPresignedExpirySeconds, nameof(expiresIn));

        var amzDate = AmzDate.Format(signingTime);
        var headers = CollectHeaders(request, replaceSecurityToken: false, replaceContentSha256: false);
        headers.Sort();
        var signedHeaders = JoinNames(headers);
        var credential = $"{credentials.AccessKeyId}/{amzDate[..8]}/{region}/{service}/{SigV4Constants.Terminator}";

        var query = new StringBuilder(request.RawQuery.Length + 256);
        query.Append(request.RawQuery);
        AppendParameter(query, SigV4Constants.AlgorithmParameter, SigV4Constants.Algorithm);
        AppendParameter(query, SigV4Constants.CredentialParameter, credential);
        AppendParameter(query, SigV4Constants.DateParameter, amzDate);
        AppendParameter(query, SigV4Constants.ExpiresParameter, expiresSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        AppendParameter(query, SigV4Constants.SignedHeadersParameter, signedHeaders);
        if (credentials.SessionToken is not null)
        {
            AppendParameter(query, SigV4Constants.SecurityTokenParameter, credentials.SessionToken);
        }

        var payloadHash = HashHex(request.Body.Span);
        var (canonicalRequest, stringToSign, signature) =
            Compute(request, query.ToString(), headers, signedHeaders, payloadHash, credentials, region, service, amzDate);
        AppendParameter(query, SigV4Constants.SignatureParameter, signature);
        var rawQuery = query.ToString();
        return new SigV4PresignedRequest(rawQuery, request.RawPath + "?" + rawQuery, signature, canonicalRequest, stringToSign);
    }

    private static (string CanonicalRequest, string StringToSign, string Signature) Compute(
        SigV4Request request, string rawQuery, List<SignedHeader> headers, string signedHeaders, string payloadHash,
        SigningCredentials credentials, string region, string service, string amzDate)
    {
        var builder = new Utf8Builder(stackalloc byte[1024]);
        try
        {
            builder.Append(request.Method);
            builder.Append((byte)'\n');
            CanonicalComponents.AppendPath(ref builder, request.RawPath);
            builder.Append((byte)'\n');
            if (!CanonicalComponents.TryAppendQuery(ref builder, rawQuery, dropSignature: false, out var error))
            {
                throw new ArgumentException($"The request's query cannot be signed: {error}", nameof(request));
            }

            builder.Append((byte)'\n');
            for (var i = 0; i < headers.Count; i++)
            {
                var first = i == 0 || headers[i - 1].Name != headers[i].Name;
                if (first)
                {
                    if (i > 0)
                    {
                        builder.Append((byte)'\n');
                    }

                    builder.Append(headers[i].Name);
                    builder.Append((byte)':');
                }
                else
                {
                    builder.Append((byte)',');
                }

                CanonicalComponents.AppendHeaderValue(ref builder, headers[i].Value);
            }

            builder.Append("\n\n"u8);
            builder.Append(signedHeaders);
            builder.Append((byte)'\n');
            builder.Append(payloadHash);
            var canonicalRequest = System.Text.Encoding.UTF8.GetString(builder.Written);

            Span<byte> canonicalHash = stackalloc byte[32];
            SHA256.HashData(builder.Written, canonicalHash);
            var stringToSignBuilder = new Utf8Builder(stackalloc byte[256]);
            try
            {
                SignatureComputation.WriteStringToSign(ref stringToSignBuilder, amzDate, region, service, canonicalHash);
                Span<byte> key = stackalloc byte[SigningKey.Size];
                SigningKey.Derive(credentials.SecretAccessKey, amzDate.AsSpan(0, 8), region, service, key);
                Span<byte> signature = stackalloc byte[64];
                SignatureComputation.WriteSignatureHex(key, stringToSignBuilder.Written, signature);
                CryptographicOperations.ZeroMemory(key);
                return (canonicalRequest, System.Text.Encoding.UTF8.GetString(stringToSignBuilder.Written),
                    System.Text.Encoding.ASCII.GetString(signature));
            }
            finally
            {
                stringToSignBuilder.Dispose();
            }
        }
        finally
        {
            builder.Dispose();
        }
    }

    private static List<SignedHeader> CollectHeaders(SigV4Request request, bool replaceSecurityToken, bool replaceContentSha256)
    {
        var headers = new List<SignedHeader>(request.Headers.Count + 4);
        var hasHost = false;
        foreach (var (name, value) in request.Headers)
        {
            if (UnsignedHeaders.Contains(name) ||
                name.Equals(SigV4Constants.AmzDateHeader, StringComparison.OrdinalIgnoreCase) ||
                (replaceSecurityToken && name.Equals(SigV4Constants.SecurityTokenHeader, StringComparison.OrdinalIgnoreCase)) ||
                (replaceContentSha256 && name.Equals(SigV4Constants.ContentSha256Header, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            hasHost |= name.Equals(SigV4Constants.HostHeader, StringComparison.OrdinalIgnoreCase);
            headers.Add(new SignedHeader(name.ToLowerInvariant(), value, headers.Count));
        }

        if (!hasHost)
        {
            headers.Add(new SignedHeader("host", request.Host, headers.Count));
        }

        return headers;
    }

    private static string JoinNames(List<SignedHeader> sortedHeaders)
    {
        var names = new StringBuilder();
        for (var i = 0; i < sortedHeaders.Count; i++)
        {
            if (i > 0 && sortedHeaders[i - 1].Name == sortedHeaders[i].Name)
            {
                continue;
            }

            if (names.Length > 0)
            {
                names.Append(';');
            }

            names.Append(sortedHeaders[i].Name);
        }

        return names.ToString();
    }

    private static void AppendParameter(StringBuilder query, string name, string value)
    {
        if (query.Length > 0)
        {
            query.Append('&');
        }

        query.Append(name).Append('=');
        PercentEncoding.AppendEncoded(query, value);
    }

    private static string HashHex(ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(body, hash);
        return Convert.ToHexStringLower(hash);
    }

    private static void ValidateScope(string region, string service)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentException.ThrowIfNullOrEmpty(service);
        if (region.Contains('/') || service.Contains('/'))
        {
            throw new ArgumentException("Region and service must not contain '/'.");
        }
    }

    /// <summary>A header to sign; <see cref="Order"/> keeps repeated headers in their sent order after sorting.</summary>
    private readonly record struct SignedHeader(string Name, string Value, int Order) : IComparable<SignedHeader>
    {
        public int CompareTo(SignedHeader other)
        {
            var byName = string.CompareOrdinal(Name, other.Name);
            return byName != 0 ? byName : Order.CompareTo(other.Order);
        }
    }
}
