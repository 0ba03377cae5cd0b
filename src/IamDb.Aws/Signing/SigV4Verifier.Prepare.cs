using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using IamDb.Aws.Encoding;
using IamDb.Aws.Errors;

namespace IamDb.Aws.Signing;

/// <summary>The synchronous part of verification: parse, check scope and clock, build and hash the canonical request.</summary>
internal sealed partial class SigV4Verifier
{
    private const int MaxEchoLength = 128;

    private static readonly SearchValues<char> RegionOrServiceChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-");

    private static readonly SearchValues<char> AccessKeyIdChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");

    private const string QueryParametersMissingText =
        "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, " +
        "X-Amz-SignedHeaders, and X-Amz-Expires parameters.";

    private enum HeaderKind
    {
        Other,
        Authorization,
        AmzDate,
        Date,
        SecurityToken,
        ContentSha256,
    }

    private SigV4VerificationResult? Prepare(in SigV4ReceivedRequest request, out Pending pending)
    {
        pending = default;
        var rawTarget = request.RawTarget;
        if (rawTarget.Length > _maxRawTarget)
        {
            return Fail(SigV4FailureReason.LimitExceeded,
                SigV4Errors.MalformedQuery($"The request target is longer than {_maxRawTarget} characters."));
        }

        var questionMark = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var path = questionMark < 0 ? rawTarget.AsSpan() : rawTarget.AsSpan(0, questionMark);
        var query = questionMark < 0 ? [] : rawTarget.AsSpan(questionMark + 1);
        if (!query.IsEmpty && query.Count('&') >= _maxQueryParameters)
        {
            return Fail(SigV4FailureReason.LimitExceeded,
                SigV4Errors.MalformedQuery($"The query string has more than {_maxQueryParameters} parameters."));
        }

        var headers = request.Headers;
        if (headers.Count > _maxHeaders)
        {
            return Fail(SigV4FailureReason.LimitExceeded,
                new AwsError(AwsErrorCodes.RequestEntityTooLarge, $"The request has more than {_maxHeaders} headers.", 413));
        }

        int authorization = -1, amzDate = -1, date = -1, token = -1, contentSha = -1;
        for (var i = 0; i < headers.Count; i++)
        {
            var (name, value) = headers[i];
            if (name is null || value is null)
            {
                return Fail(SigV4FailureReason.MalformedAuthentication, SigV4Errors.Incomplete("A header has no name or value."));
            }

            if (value.Length > _maxHeaderValue)
            {
                return Fail(SigV4FailureReason.LimitExceeded, new AwsError(
                    AwsErrorCodes.RequestEntityTooLarge, $"The header '{Echo(name)}' is longer than {_maxHeaderValue} characters.", 413));
            }

            var kind = Classify(name);
            if (kind == HeaderKind.Other)
            {
                continue;
            }

            ref var slot = ref authorization;
            switch (kind)
            {
                case HeaderKind.AmzDate: slot = ref amzDate; break;
                case HeaderKind.Date: slot = ref date; break;
                case HeaderKind.SecurityToken: slot = ref token; break;
                case HeaderKind.ContentSha256: slot = ref contentSha; break;
            }

            if (slot >= 0)
            {
                return Fail(SigV4FailureReason.MalformedAuthentication,
                    SigV4Errors.Incomplete($"The '{name}' header may appear only once."));
            }

            slot = i;
        }

        var context = new RequestParts(request, path, query, contentSha);
        return authorization >= 0
            ? PrepareHeaderForm(ref context, authorization, amzDate, date, token, out pending)
            : PrepareQueryForm(ref context, out pending);
    }

    private SigV4VerificationResult? PrepareHeaderForm(
        ref RequestParts parts, int authorizationIndex, int amzDateIndex, int dateIndex, int tokenIndex, out Pending pending)
    {
        pending = default;
        var headers = parts.Request.Headers;
        var auth = headers[authorizationIndex].Value;

        var position = 0;
        while (position < auth.Length && auth[position] == ' ')
        {
            position++;
        }

        var algorithmEnd = auth.IndexOf(' ', position);
        if (algorithmEnd < 0)
        {
            algorithmEnd = auth.Length;
        }

        var algorithm = auth.AsSpan(position, algorithmEnd - position);
        if (!algorithm.SequenceEqual(SigV4Constants.Algorithm))
        {
            return Fail(SigV4FailureReason.MalformedAuthentication,
                SigV4Errors.Incomplete($"Unsupported AWS 'algorithm': '{Echo(algorithm)}'"));
        }

        (int Start, int Length) credential = (-1, 0), signedHeaders = (-1, 0), signature = (-1, 0);
        position = algorithmEnd;
        while (position < auth.Length)
        {
            var end = auth.IndexOf(',', position);
            if (end < 0)
            {
                end = auth.Length;
            }

            var component = auth.AsSpan(position, end - position);
            var componentStart = position + (component.Length - component.TrimStart(" \t").Length);
            component = component.Trim(" \t");
            position = end + 1;
            if (component.IsEmpty)
            {
                continue;
            }

            var equals = component.IndexOf('=');
            if (equals < 0)
            {
                return Fail(SigV4FailureReason.MalformedAuthentication, SigV4Errors.Incomplete(
                    $"'{Echo(component)}' not a valid key=value pair (missing equal-sign) in Authorization header"));
            }

            var key = component[..equals].TrimEnd(" \t");
            var valueStart = componentStart + equals + 1;
            var value = component[(equals + 1)..];
            var valueTrimmed = value.TrimStart(" \t");
            valueStart += value.Length - valueTrimmed.Length;
            var location = (valueStart, valueTrimmed.Length);
            if (key.SequenceEqual("Credential"))
            {
                credential = location;
            }
            else if (key.SequenceEqual("SignedHeaders"))
            {
                signedHeaders = location;
            }
            else if (key.SequenceEqual("Signature"))
            {
                signature = location;
            }
        }

        var missing = new MissingParts();
        if (credential.Start < 0)
        {
            missing.Add("Authorization header requires 'Credential' parameter.");
        }

        if (signature.Start < 0)
        {
            missing.Add("Authorization header requires 'Signature' parameter.");
        }

        if (signedHeaders.Start < 0)
        {
            missing.Add("Authorization header requires 'SignedHeaders' parameter.");
        }

        var dateIndex2 = amzDateIndex >= 0 ? amzDateIndex : dateIndex;
        if (dateIndex2 < 0)
        {
            missing.Add("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
        }

        if (missing.Text is not null)
        {
            return Fail(SigV4FailureReason.MalformedAuthentication, SigV4Errors.Incomplete(missing.Text));
        }

        var amzDate = headers[dateIndex2].Value;
        if (!AmzDate.TryParse(amzDate, out var signingTime))
        {
            return Fail(SigV4FailureReason.MalformedAuthentication, SigV4Errors.Incomplete(
                $"Date must be in ISO-8601 'basic format'. Got '{Echo(amzDate)}'. See http://en.wikipedia.org/wiki/ISO_8601"));
        }

        var signedList = auth.AsSpan(signedHeaders.Start, signedHeaders.Length);
        var signedCheck = CheckSignedHeaders(signedList, requireAmzDate: amzDateIndex >= 0, requireDate: amzDateIndex < 0,
            requireToken: tokenIndex >= 0 && _requireSignedToken);
        if (signedCheck is not null)
        {
            return signedCheck;
        }

        var sessionToken = tokenIndex >= 0 ? headers[tokenIndex].Value : null;
        pending.SignatureSource = auth;
        pending.SignatureStart = signature.Start;
        pending.SignatureLength = signature.Length;
        return PrepareCommon(ref parts, auth.AsSpan(credential.Start, credential.Length), amzDate, signingTime, sessionToken,
            SigV4AuthenticationKind.Header, expiresSeconds: 0, signedList, ref pending);
    }

    private SigV4VerificationResult? PrepareQueryForm(ref RequestParts parts, out Pending pending)
    {
        pending = default;
        if (parts.Query.IsEmpty)
        {
            return Fail(SigV4FailureReason.MissingAuthentication, SigV4Errors.MissingAuthentication);
        }

        string? algorithm = null, credential = null, amzDate = null, expires = null, signedHeaders = null, token = null, signature = null;
        foreach (var range in parts.Query.Split('&'))
        {
            var pair = parts.Query[range];
            var equals = pair.IndexOf('=');
            var rawKey = equals < 0 ? pair : pair[..equals];
            if (!rawKey.StartsWith("X-Amz-", StringComparison.Ordinal) && !rawKey.Contains('%'))
            {
                continue;
            }

            if (!PercentEncoding.TryDecode(rawKey, plusIsSpace: false, out var key, out var error) ||
                !PercentEncoding.TryDecode(equals < 0 ? [] : pair[(equals + 1)..], plusIsSpace: false, out var value, out error))
            {
                return Fail(SigV4FailureReason.MalformedQueryString, SigV4Errors.MalformedQuery(error!));
            }

            ref var slot = ref algorithm;
            switch (key)
            {
                case SigV4Constants.AlgorithmParameter: break;
                case SigV4Constants.CredentialParameter: slot = ref credential; break;
                case SigV4Constants.DateParameter: slot = ref amzDate; break;
                case SigV4Constants.ExpiresParameter: slot = ref expires; break;
                case SigV4Constants.SignedHeadersParameter: slot = ref signedHeaders; break;
                case SigV4Constants.SecurityTokenParameter: slot = ref token; break;
                case SigV4Constants.SignatureParameter: slot = ref signature; break;
                default: continue;
            }

            if (slot is not null)
            {
                return Fail(SigV4FailureReason.MalformedAuthentication,
                    SigV4Errors.Incomplete($"The query parameter '{key}' may appear only once."));
            }

            slot = value;
        }

        if (algorithm is null && credential is null && signature is null)
        {
            return Fail(SigV4FailureReason.MissingAuthentication, SigV4Errors.MissingAuthentication);
        }

        if (algorithm is null || credential is null || signature is null || amzDate is null || signedHeaders is null || expires is null)
        {
            return Fail(SigV4FailureReason.MalformedAuthentication, SigV4Errors.Incomplete(QueryParametersMissingText));
        }

        if (algorithm != SigV4Constants.Algorithm)
        {
            return Fail(SigV4FailureReason.MalformedAuthentication,
                SigV4Errors.Incomplete($"Unsupported AWS 'algorithm': '{Echo(algorithm)}'"));
        }

        if (!AmzDate.TryParse(amzDate, out var signingTime))
        {
            return Fail(SigV4FailureReason.MalformedAuthentication, SigV4Errors.Incomplete(
                $"Date must be in ISO-8601 'basic format'. Got '{Echo(amzDate)}'. See http://en.wikipedia.org/wiki/ISO_8601"));
        }

        if (expires.Length == 0 || expires.AsSpan().IndexOfAnyExceptInRange('0', '9') >= 0)
        {
            return Fail(SigV4FailureReason.MalformedAuthentication, SigV4Errors.Incomplete("X-Amz-Expires should be a number"));
        }

        var trimmedExpires = expires.AsSpan().TrimStart('0');
        var expiresSeconds = trimmedExpires.Length > 7 ? int.MaxValue : int.Parse(expires, NumberStyles.None, CultureInfo.InvariantCulture);
        if (expiresSeconds > SigV4Constants.MaxPresignedExpirySeconds)
        {
            return Fail(SigV4FailureReason.MalformedAuthentication,
                SigV4Errors.Incomplete("X-Amz-Expires must be less than a week (in seconds) that is 604800"));
        }

        if (expiresSeconds < 1)
        {
            return Fail(SigV4FailureReason.MalformedAuthentication,
                SigV4Errors.Incomplete("X-Amz-Expires must be a positive number of seconds"));
        }

        var signedCheck = CheckSignedHeaders(signedHeaders, requireAmzDate: false, requireDate: false, requireToken: false);
        if (signedCheck is not null)
        {
            return signedCheck;
        }

        pending.SignatureSource = signature;
        pending.SignatureStart = 0;
        pending.SignatureLength = signature.Length;
        return PrepareCommon(ref parts, credential, amzDate, signingTime, token, SigV4AuthenticationKind.Query, expiresSeconds,
            signedHeaders, ref pending);
    }

    private SigV4VerificationResult? CheckSignedHeaders(ReadOnlySpan<char> signedHeaders, bool requireAmzDate, bool requireDate, bool requireToken)
    {
        if (signedHeaders.Count(';') >= _maxSignedHeaders)
        {
            return Fail(SigV4FailureReason.LimitExceeded,
                SigV4Errors.Incomplete($"Too many signed headers: at most {_maxSignedHeaders} are accepted."));
        }

        bool host = false, amzDate = false, date = false, token = false;
        foreach (var range in signedHeaders.Split(';'))
        {
            var name = signedHeaders[range];
            host |= name.Equals("host", StringComparison.OrdinalIgnoreCase);
            amzDate |= name.Equals("x-amz-date", StringComparison.OrdinalIgnoreCase);
            date |= name.Equals("date", StringComparison.OrdinalIgnoreCase);
            token |= name.Equals("x-amz-security-token", StringComparison.OrdinalIgnoreCase);
        }

        var message =
            !host ? SigV4Errors.HostNotSignedText
            : requireAmzDate && !amzDate ? "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization."
            : requireDate && !date ? "'Date' must be a 'SignedHeader' in the AWS Authorization."
            : requireToken && !token ? "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization."
            : null;
        return message is null ? null : Fail(SigV4FailureReason.MalformedAuthentication, SigV4Errors.Incomplete(message));
    }

    private SigV4VerificationResult? PrepareCommon(
        ref RequestParts parts, ReadOnlySpan<char> credential, string amzDate, DateTimeOffset signingTime, string? sessionToken,
        SigV4AuthenticationKind kind, int expiresSeconds, ReadOnlySpan<char> signedHeaders, ref Pending pending)
    {
        // Credential scope: keyid/date/region/service/aws4_request.
        Span<Range> scope = stackalloc Range[6];
        if (credential.Split(scope, '/') != 5)
        {
            return Fail(SigV4FailureReason.MalformedAuthentication, SigV4Errors.Incomplete(
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got " +
                $"'{Echo(credential)}'"));
        }

        var accessKeyId = credential[scope[0]];
        var scopeDate = credential[scope[1]];
        var region = credential[scope[2]];
        var service = credential[scope[3]];
        var terminator = credential[scope[4]];
        if (!terminator.SequenceEqual(SigV4Constants.Terminator))
        {
            return Fail(SigV4FailureReason.InvalidScope, SigV4Errors.DoesNotMatch(
                $"Credential should be scoped with a valid terminator: 'aws4_request', not '{Echo(terminator)}'."));
        }

        if (!scopeDate.SequenceEqual(amzDate.AsSpan(0, 8)))
        {
            return Fail(SigV4FailureReason.InvalidScope, SigV4Errors.DoesNotMatch(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: " +
                $"'{Echo(scopeDate)}' != '{amzDate.AsSpan(0, 8)}', from '{amzDate}'."));
        }

        if (region.IsEmpty || region.Length > 64 || region.ContainsAnyExcept(RegionOrServiceChars))
        {
            return Fail(SigV4FailureReason.InvalidScope,
                SigV4Errors.DoesNotMatch($"Credential should be scoped to a valid region, not '{Echo(region)}'."));
        }

        if (service.IsEmpty || service.Length > 64 || service.ContainsAnyExcept(RegionOrServiceChars))
        {
            return Fail(SigV4FailureReason.InvalidScope,
                SigV4Errors.DoesNotMatch($"Credential should be scoped to a valid service, not '{Echo(service)}'."));
        }

        if (_allowedServices is not null && !_allowedServices.GetAlternateLookup<ReadOnlySpan<char>>().Contains(service))
        {
            return Fail(SigV4FailureReason.InvalidScope,
                SigV4Errors.DoesNotMatch($"Credential should be scoped to correct service: {_allowedServicesText}."));
        }

        if (accessKeyId.IsEmpty || accessKeyId.Length > 128 || accessKeyId.ContainsAnyExcept(AccessKeyIdChars))
        {
            return Fail(SigV4FailureReason.UnknownAccessKey, SigV4Errors.InvalidClientTokenId);
        }

        // Clock: ±skew for headers; for presigned URLs, not in the future and not past X-Amz-Expires.
        var now = _time.GetUtcNow();
        if (signingTime > now + _skew)
        {
            return Fail(SigV4FailureReason.ClockSkew, SigV4Errors.SignatureNotYetCurrent(amzDate, now, _skew));
        }

        if (kind == SigV4AuthenticationKind.Header && signingTime < now - _skew)
        {
            return Fail(SigV4FailureReason.ClockSkew, SigV4Errors.SignatureExpired(amzDate, now, _skew));
        }

        if (kind == SigV4AuthenticationKind.Query && now > signingTime.AddSeconds(expiresSeconds))
        {
            return Fail(SigV4FailureReason.PresignedUrlExpired, SigV4Errors.RequestExpired);
        }

        // Payload: always the real body's hash; a declared X-Amz-Content-SHA256 must agree with it.
        Span<byte> bodyHash = stackalloc byte[32];
        SHA256.HashData(parts.Request.Body.Span, bodyHash);
        Span<byte> bodyHashHex = stackalloc byte[64];
        HexLower.Write(bodyHash, bodyHashHex);
        if (parts.ContentShaIndex >= 0 && !IsAsciiEqual(parts.Request.Headers[parts.ContentShaIndex].Value.AsSpan().Trim(' '), bodyHashHex))
        {
            return Fail(SigV4FailureReason.PayloadHashMismatch, SigV4Errors.SignatureMismatch);
        }

        var builder = new Utf8Builder(stackalloc byte[2048]);
        try
        {
            // HTTPMethod \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n HexPayloadHash
            builder.Append(parts.Request.Method);
            builder.Append((byte)'\n');
            CanonicalComponents.AppendPath(ref builder, parts.Path);
            builder.Append((byte)'\n');
            if (!CanonicalComponents.TryAppendQuery(ref builder, parts.Query, dropSignature: kind == SigV4AuthenticationKind.Query, out var error))
            {
                return Fail(SigV4FailureReason.MalformedQueryString, SigV4Errors.MalformedQuery(error!));
            }

            builder.Append((byte)'\n');
            AppendCanonicalHeaders(ref builder, parts.Request.Headers, signedHeaders);
            builder.Append((byte)'\n');
            builder.Append(signedHeaders);
            builder.Append((byte)'\n');
            builder.Append(bodyHashHex);

            SHA256.HashData(builder.Written, pending.CanonicalRequestHash);
            if (_includeDetails)
            {
                pending.CanonicalRequest = System.Text.Encoding.UTF8.GetString(builder.Written);
            }
        }
        finally
        {
            builder.Dispose();
        }

        pending.AccessKeyId = _strings.Get(accessKeyId);
        pending.Region = _strings.Get(region);
        pending.Service = _strings.Get(service);
        pending.SessionToken = string.IsNullOrEmpty(sessionToken) ? null : sessionToken;
        pending.AmzDate = amzDate;
        pending.SigningTime = signingTime;
        pending.Kind = kind;
        return null;
    }

    /// <summary>For each signed name in order: <c>name:value1,value2\n</c> over every received header of that name.</summary>
    private static void AppendCanonicalHeaders(
        ref Utf8Builder builder, IReadOnlyList<KeyValuePair<string, string>> headers, ReadOnlySpan<char> signedHeaders)
    {
        foreach (var range in signedHeaders.Split(';'))
        {
            var name = signedHeaders[range];
            // Names in SignedHeaders are lower case by definition; others are used as sent (and will not verify).
            builder.Append(name);
            builder.Append((byte)':');
            var first = true;
            for (var i = 0; i < headers.Count; i++)
            {
                var header = headers[i];
                if (!name.Equals(header.Key, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (!first)
                {
                    builder.Append((byte)',');
                }

                CanonicalComponents.AppendHeaderValue(ref builder, header.Value);
                first = false;
            }

            builder.Append((byte)'\n');
        }
    }

    private static bool IsAsciiEqual(ReadOnlySpan<char> text, ReadOnlySpan<byte> ascii)
    {
        if (text.Length != ascii.Length)
        {
            return false;
        }

        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != ascii[i])
            {
                return false;
            }
        }

        return true;
    }

    private static HeaderKind Classify(string name) => name.Length switch
    {
        13 when name.Equals(SigV4Constants.AuthorizationHeader, StringComparison.OrdinalIgnoreCase) => HeaderKind.Authorization,
        10 when name.Equals(SigV4Constants.AmzDateHeader, StringComparison.OrdinalIgnoreCase) => HeaderKind.AmzDate,
        4 when name.Equals(SigV4Constants.DateHeader, StringComparison.OrdinalIgnoreCase) => HeaderKind.Date,
        20 when name.Equals(SigV4Constants.SecurityTokenHeader, StringComparison.OrdinalIgnoreCase) => HeaderKind.SecurityToken,
        20 when name.Equals(SigV4Constants.ContentSha256Header, StringComparison.OrdinalIgnoreCase) => HeaderKind.ContentSha256,
        _ => HeaderKind.Other,
    };

    /// <summary>Untrusted text quoted in an error message, cut short so messages stay small.</summary>
    private static string Echo(ReadOnlySpan<char> text) =>
        text.Length <= MaxEchoLength ? text.ToString() : string.Concat(text[..MaxEchoLength], "...");

    private ref struct RequestParts(SigV4ReceivedRequest request, ReadOnlySpan<char> path, ReadOnlySpan<char> query, int contentShaIndex)
    {
        public readonly SigV4ReceivedRequest Request = request;
        public readonly ReadOnlySpan<char> Path = path;
        public readonly ReadOnlySpan<char> Query = query;
        public readonly int ContentShaIndex = contentShaIndex;
    }

    private struct MissingParts
    {
        public string? Text { get; private set; }

        public void Add(string message) => Text = Text is null ? message : Text + " " + message;
    }
}
