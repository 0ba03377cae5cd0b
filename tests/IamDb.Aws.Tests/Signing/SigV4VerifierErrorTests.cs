using IamDb.Aws.Errors;
using IamDb.Aws.Signing;
using static IamDb.Aws.Tests.Signing.SignedRequestBuilder;

namespace IamDb.Aws.Tests.Signing;

/// <summary>Every way verification fails, with AWS's code, status and message.</summary>
public class SigV4VerifierErrorTests
{
    private sealed record Case(Func<SigV4ReceivedRequest> Request, string Code, int Status, string Message, SigV4FailureReason Reason,
        SigV4VerifierOptions? Options = null);

    private const string Mismatch =
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and " +
        "signing method. Consult the service documentation for details.";

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["no authentication"] = new(() => HeaderSigned().Without("Authorization"),
            "MissingAuthenticationToken", 403, "Request is missing Authentication Token", SigV4FailureReason.MissingAuthentication),
        ["query without X-Amz parameters"] = new(() => HeaderSigned().Without("Authorization").WithTarget("/?Action=ListUsers"),
            "MissingAuthenticationToken", 403, "Request is missing Authentication Token", SigV4FailureReason.MissingAuthentication),
        ["authorization with no components"] = new(() => HeaderSigned().WithHeader("Authorization", "AWS4-HMAC-SHA256"),
            "IncompleteSignature", 400,
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
            "Authorization header requires 'SignedHeaders' parameter.", SigV4FailureReason.MalformedAuthentication),
        ["missing credential"] = new(() => Replace(HeaderSigned(), a => a.Replace("Credential=", "Credentials=", StringComparison.Ordinal)),
            "IncompleteSignature", 400, "Authorization header requires 'Credential' parameter.", SigV4FailureReason.MalformedAuthentication),
        ["missing date"] = new(() => HeaderSigned().Without("X-Amz-Date"),
            "IncompleteSignature", 400, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
            SigV4FailureReason.MalformedAuthentication),
        ["extended date format"] = new(() => HeaderSigned().WithHeader("X-Amz-Date", "2026-11-24T10:00:00Z"),
            "IncompleteSignature", 400, "Date must be in ISO-8601 'basic format'. Got '2026-11-24T10:00:00Z'.",
            SigV4FailureReason.MalformedAuthentication),
        ["impossible date"] = new(() => HeaderSigned().WithHeader("X-Amz-Date", "20261324T100000Z"),
            "IncompleteSignature", 400, "Date must be in ISO-8601 'basic format'. Got '20261324T100000Z'.",
            SigV4FailureReason.MalformedAuthentication),
        ["unsupported algorithm"] = new(() => Replace(HeaderSigned(), a => a.Replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512", StringComparison.Ordinal)),
            "IncompleteSignature", 400, "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'", SigV4FailureReason.MalformedAuthentication),
        ["component without equals"] = new(() => Replace(HeaderSigned(), a => a + ", Bogus"),
            "IncompleteSignature", 400, "'Bogus' not a valid key=value pair (missing equal-sign) in Authorization header",
            SigV4FailureReason.MalformedAuthentication),
        ["credential with four parts"] = new(() => Replace(HeaderSigned(), a => a.Replace("/aws4_request", "", StringComparison.Ordinal)),
            "IncompleteSignature", 400, "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '",
            SigV4FailureReason.MalformedAuthentication),
        ["host not signed"] = new(() => Replace(HeaderSigned(), a => a.Replace("content-type;host;x-amz-date", "content-type;x-amz-date", StringComparison.Ordinal)),
            "IncompleteSignature", 400, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
            SigV4FailureReason.MalformedAuthentication),
        ["x-amz-date not signed"] = new(() => Replace(HeaderSigned(), a => a.Replace("content-type;host;x-amz-date", "content-type;host", StringComparison.Ordinal)),
            "IncompleteSignature", 400, "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.",
            SigV4FailureReason.MalformedAuthentication),
        ["session token not signed"] = new(() => HeaderSigned().WithHeaders(h => h.Append(new("X-Amz-Security-Token", SessionToken))),
            "IncompleteSignature", 400, "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization.",
            SigV4FailureReason.MalformedAuthentication),
        ["duplicate authorization"] = new(() => HeaderSigned().WithHeaders(h => h.Append(h.Single(x => x.Key == "Authorization"))),
            "IncompleteSignature", 400, "The 'Authorization' header may appear only once.", SigV4FailureReason.MalformedAuthentication),
        ["unknown access key"] = new(() => HeaderSigned(credentials: new SigningCredentials("AKIAUNKNOWNEXAMPLE00", Secret)),
            "InvalidClientTokenId", 403, "The security token included in the request is invalid.", SigV4FailureReason.UnknownAccessKey),
        ["access key with bad characters"] = new(() => HeaderSigned(credentials: new SigningCredentials("AKIA-not-a-key", Secret)),
            "InvalidClientTokenId", 403, "The security token included in the request is invalid.", SigV4FailureReason.UnknownAccessKey),
        ["token of another key"] = new(() => HeaderSigned(credentials: new SigningCredentials(TemporaryKeyId, TemporarySecret, "someone-elses-token")),
            "InvalidClientTokenId", 403, "The security token included in the request is invalid.", SigV4FailureReason.InvalidSessionToken),
        ["temporary key without token"] = new(() => HeaderSigned(credentials: new SigningCredentials(TemporaryKeyId, TemporarySecret)),
            "InvalidClientTokenId", 403, "The security token included in the request is invalid.", SigV4FailureReason.InvalidSessionToken),
        ["wrong secret"] = new(() => HeaderSigned(credentials: new SigningCredentials(AccessKeyId, "not-the-secret")),
            "SignatureDoesNotMatch", 403, Mismatch, SigV4FailureReason.SignatureMismatch),
        ["signature not hex"] = new(() => Replace(HeaderSigned(), a => a[..^64] + new string('Z', 64)),
            "SignatureDoesNotMatch", 403, Mismatch, SigV4FailureReason.SignatureMismatch),
        ["signature truncated"] = new(() => Replace(HeaderSigned(), a => a[..^1]),
            "SignatureDoesNotMatch", 403, Mismatch, SigV4FailureReason.SignatureMismatch),
        ["signed 16 minutes ago"] = new(() => HeaderSigned(time: Now.AddMinutes(-16)),
            "SignatureDoesNotMatch", 403,
            "Signature expired: 20261124T094400Z is now earlier than 20261124T094500Z (20261124T100000Z - 15 min.)",
            SigV4FailureReason.ClockSkew),
        ["signed 16 minutes ahead"] = new(() => HeaderSigned(time: Now.AddMinutes(16)),
            "SignatureDoesNotMatch", 403,
            "Signature not yet current: 20261124T101600Z is still later than 20261124T101500Z (20261124T100000Z + 15 min.)",
            SigV4FailureReason.ClockSkew),
        ["scope date differs from X-Amz-Date"] = new(() => Replace(HeaderSigned(), a => a.Replace("/20261124/", "/20261123/", StringComparison.Ordinal)),
            "SignatureDoesNotMatch", 403,
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261123' != '20261124', from '20261124T100000Z'.",
            SigV4FailureReason.InvalidScope),
        ["invalid region"] = new(() => HeaderSigned(region: "US_EAST"),
            "SignatureDoesNotMatch", 403, "Credential should be scoped to a valid region, not 'US_EAST'.", SigV4FailureReason.InvalidScope),
        ["service not allowed"] = new(() => HeaderSigned(service: "s3"),
            "SignatureDoesNotMatch", 403, "Credential should be scoped to correct service: 'iam', 'sts', 'redshift'.",
            SigV4FailureReason.InvalidScope, new SigV4VerifierOptions { AllowedServices = ["iam", "sts", "redshift"] }),
        ["wrong terminator"] = new(() => Replace(HeaderSigned(), a => a.Replace("aws4_request", "aws5_request", StringComparison.Ordinal)),
            "SignatureDoesNotMatch", 403, "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'.",
            SigV4FailureReason.InvalidScope),
        ["content sha256 header not the body hash"] = new(() => HeaderSigned(contentSha: true).WithHeader("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD"),
            "SignatureDoesNotMatch", 403, Mismatch, SigV4FailureReason.PayloadHashMismatch),
        ["truncated escape in query"] = new(() => HeaderSigned().WithTarget("/?Action=ListUsers&x=%2"),
            "MalformedQueryString", 400, "Incomplete trailing escape (%) pattern", SigV4FailureReason.MalformedQueryString),
        ["non-hex escape in query"] = new(() => HeaderSigned().WithTarget("/?a=%zz"),
            "MalformedQueryString", 400, "Illegal hex characters in escape (%) pattern - %zz", SigV4FailureReason.MalformedQueryString),
        ["invalid UTF-8 in query"] = new(() => HeaderSigned().WithTarget("/?a=%C3%28"),
            "MalformedQueryString", 400, "The request contains bytes that are not valid UTF-8", SigV4FailureReason.MalformedQueryString),
        ["presigned URL expired"] = new(() => Presigned(TimeSpan.FromMinutes(5), time: Now.AddMinutes(-6)),
            "RequestExpired", 400, "Request has expired", SigV4FailureReason.PresignedUrlExpired),
        ["presigned in the future"] = new(() => Presigned(TimeSpan.FromMinutes(5), time: Now.AddMinutes(20)),
            "SignatureDoesNotMatch", 403, "Signature not yet current: 20261124T102000Z", SigV4FailureReason.ClockSkew),
        ["presigned expiry beyond a week"] = new(() => ReplaceTarget(Presigned(TimeSpan.FromDays(7)), t => t.Replace("X-Amz-Expires=604800", "X-Amz-Expires=604801", StringComparison.Ordinal)),
            "IncompleteSignature", 400, "X-Amz-Expires must be less than a week (in seconds) that is 604800", SigV4FailureReason.MalformedAuthentication),
        ["presigned expiry not a number"] = new(() => ReplaceTarget(Presigned(TimeSpan.FromMinutes(15)), t => t.Replace("X-Amz-Expires=900", "X-Amz-Expires=-900", StringComparison.Ordinal)),
            "IncompleteSignature", 400, "X-Amz-Expires should be a number", SigV4FailureReason.MalformedAuthentication),
        ["presigned expiry zero"] = new(() => ReplaceTarget(Presigned(TimeSpan.FromMinutes(15)), t => t.Replace("X-Amz-Expires=900", "X-Amz-Expires=0", StringComparison.Ordinal)),
            "IncompleteSignature", 400, "X-Amz-Expires must be a positive number of seconds", SigV4FailureReason.MalformedAuthentication),
        ["presigned without X-Amz-Date"] = new(() => ReplaceTarget(Presigned(TimeSpan.FromMinutes(15)), t => t.Replace("X-Amz-Date=", "X-Amz-Datum=", StringComparison.Ordinal)),
            "IncompleteSignature", 400, "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature",
            SigV4FailureReason.MalformedAuthentication),
        ["presigned wrong signature"] = new(() => ReplaceTarget(Presigned(TimeSpan.FromMinutes(15)), t => t[..^1] + (t[^1] == '0' ? "1" : "0")),
            "SignatureDoesNotMatch", 403, Mismatch, SigV4FailureReason.SignatureMismatch),
        ["too many headers"] = new(() => HeaderSigned().WithHeaders(h => h.Concat(Enumerable.Range(0, 200).Select(i => new KeyValuePair<string, string>($"X-Pad-{i}", "x")))),
            "RequestEntityTooLarge", 413, "The request has more than 128 headers.", SigV4FailureReason.LimitExceeded),
        ["header value too long"] = new(() => HeaderSigned().WithHeaders(h => h.Append(new("X-Big", new string('a', 20_000)))),
            "RequestEntityTooLarge", 413, "The header 'X-Big' is longer than 16384 characters.", SigV4FailureReason.LimitExceeded),
        ["too many signed headers"] = new(() => Replace(HeaderSigned(), a => a.Replace("SignedHeaders=", "SignedHeaders=" + string.Concat(Enumerable.Repeat("a;", 70)), StringComparison.Ordinal)),
            "IncompleteSignature", 400, "Too many signed headers: at most 64 are accepted.", SigV4FailureReason.LimitExceeded),
        ["request target too long"] = new(() => HeaderSigned().WithTarget("/?" + new string('a', 20_000)),
            "MalformedQueryString", 400, "The request target is longer than 16384 characters.", SigV4FailureReason.LimitExceeded),
        ["too many query parameters"] = new(() => HeaderSigned().WithTarget("/?" + string.Concat(Enumerable.Repeat("a=1&", 1500))),
            "MalformedQueryString", 400, "The query string has more than 1000 parameters.", SigV4FailureReason.LimitExceeded),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task VerifyAsync_BadRequest_ReturnsAwsError(string name)
    {
        var testCase = Cases[name];
        var verifier = Verifier(testCase.Options);

        var result = await verifier.VerifyAsync(testCase.Request(), TestContext.Current.CancellationToken);

        Assert.False(result.IsSuccess, name);
        Assert.Equal(testCase.Code, result.Error.Code);
        Assert.Equal(testCase.Status, result.Error.HttpStatus);
        Assert.StartsWith(testCase.Message, result.Error.Message, StringComparison.Ordinal);
        Assert.Equal(testCase.Reason, result.FailureReason);
        Assert.DoesNotContain(Secret, result.Error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(TemporarySecret, result.Error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(SessionToken, result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_ExpiredSessionToken_ReturnsExpiredToken()
    {
        var secrets = new InMemorySecretSource().Add(TemporaryKeyId, TemporarySecret, SessionToken, expired: true);
        var request = HeaderSigned(credentials: new SigningCredentials(TemporaryKeyId, TemporarySecret, SessionToken));

        var result = await Verifier(secrets: secrets).VerifyAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(new AwsError("ExpiredToken", "The security token included in the request is expired", 403), result.Error);
        Assert.Equal(SigV4FailureReason.ExpiredSessionToken, result.FailureReason);
    }

    [Fact]
    public async Task VerifyAsync_MismatchWithDetailsOption_AppendsCanonicalRequestAndStringToSign()
    {
        var request = HeaderSigned(credentials: new SigningCredentials(AccessKeyId, "not-the-secret"));
        var verifier = Verifier(new SigV4VerifierOptions { IncludeCanonicalRequestInSignatureMismatch = true });

        var result = await verifier.VerifyAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(AwsErrorCodes.SignatureDoesNotMatch, result.Error?.Code);
        Assert.Contains("\n\nThe Canonical String for this request should have been\n'POST\n/\n\ncontent-type:", result.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("The String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20261124T100000Z\n20261124/us-east-1/redshift/aws4_request\n",
            result.Error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_DateHeaderInBasicFormat_IsAcceptedWhenSigned()
    {
        var request = HeaderSigned();
        var amzDate = request.Headers.Single(h => h.Key == "X-Amz-Date").Value;
        // Re-sign with the time in a signed Date header instead of X-Amz-Date, as the documented fallback allows.
        var baseline = Request();
        var signed = SigV4Signer.SignHeaders(baseline, new SigningCredentials(AccessKeyId, Secret), "us-east-1", "redshift", Now);
        var headers = baseline.Headers.Append(new("X-Amz-Date", amzDate)).ToList();
        var withDate = new SigV4ReceivedRequest("POST", "/", headers.Select(h => h.Key == "X-Amz-Date" ? new("Date", h.Value) : h)
            .Append(new("Authorization", signed.Authorization.Replace("x-amz-date", "date", StringComparison.Ordinal))).ToList(), Body);

        var result = await Verifier().VerifyAsync(withDate, TestContext.Current.CancellationToken);

        // The signature covered "x-amz-date", so renaming the header must not verify; the date itself is parsed.
        Assert.Equal(AwsErrorCodes.SignatureDoesNotMatch, result.Error?.Code);
    }

    [Fact]
    public async Task VerifyAsync_RotatedKey_DerivesNewSigningKeyAndRejectsOldSecret()
    {
        var secrets = new InMemorySecretSource().Add(AccessKeyId, Secret, stamp: 1);
        var verifier = Verifier(secrets: secrets);
        Assert.True((await verifier.VerifyAsync(HeaderSigned(), TestContext.Current.CancellationToken)).IsSuccess);
        Assert.True((await verifier.VerifyAsync(HeaderSigned(), TestContext.Current.CancellationToken)).IsSuccess);
        Assert.Equal(1, verifier.CachedSigningKeys);

        secrets.Add(AccessKeyId, "rotated-secret-value", stamp: 2);
        var old = await verifier.VerifyAsync(HeaderSigned(), TestContext.Current.CancellationToken);
        var fresh = await verifier.VerifyAsync(
            HeaderSigned(credentials: new SigningCredentials(AccessKeyId, "rotated-secret-value")), TestContext.Current.CancellationToken);

        Assert.Equal(AwsErrorCodes.SignatureDoesNotMatch, old.Error?.Code);
        Assert.True(fresh.IsSuccess, fresh.ToString());
        Assert.Equal(2, verifier.CachedSigningKeys);
    }

    [Fact]
    public async Task VerifyAsync_SessionTokenSignedByClient_ReturnsIdentityWithToken()
    {
        var request = HeaderSigned(credentials: new SigningCredentials(TemporaryKeyId, TemporarySecret, SessionToken));

        var result = await Verifier().VerifyAsync(request, TestContext.Current.CancellationToken);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal((TemporaryKeyId, SessionToken, "redshift", TemporaryKeyId), (result.Identity.AccessKeyId, result.Identity.SessionToken,
            result.Identity.Service, result.Identity.Context as string));
        Assert.DoesNotContain(SessionToken, result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_PresignedWithSessionToken_Accepts()
    {
        var request = Presigned(TimeSpan.FromMinutes(15), time: Now.AddMinutes(-10),
            credentials: new SigningCredentials(TemporaryKeyId, TemporarySecret, SessionToken));

        var result = await Verifier().VerifyAsync(request, TestContext.Current.CancellationToken);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(SigV4AuthenticationKind.Query, result.Identity.Kind);
        Assert.Equal(SessionToken, result.Identity.SessionToken);
    }

    [Theory]
    [InlineData("AWS4-HMAC-SHA256 Credential={0},SignedHeaders={1},Signature={2}")]
    [InlineData("AWS4-HMAC-SHA256   Credential={0} ,  SignedHeaders={1} ,Signature={2}  ")]
    [InlineData("AWS4-HMAC-SHA256 Signature={2}, Credential={0}, SignedHeaders={1}")]
    public async Task VerifyAsync_AuthorizationWithOtherSeparators_Accepts(string format)
    {
        var request = HeaderSigned();
        var parts = request.Authorization().Split(", ").Select(p => p[(p.IndexOf('=', StringComparison.Ordinal) + 1)..]).ToArray();
        var rewritten = request.WithHeader("Authorization", string.Format(System.Globalization.CultureInfo.InvariantCulture, format, parts[0], parts[1], parts[2]));

        var result = await Verifier().VerifyAsync(rewritten, TestContext.Current.CancellationToken);

        Assert.True(result.IsSuccess, result.ToString());
    }

    private static SigV4ReceivedRequest Replace(SigV4ReceivedRequest request, Func<string, string> change) =>
        request.WithHeader("Authorization", change(request.Authorization()));

    private static SigV4ReceivedRequest ReplaceTarget(SigV4ReceivedRequest request, Func<string, string> change) =>
        request.WithTarget(change(request.RawTarget));
}
