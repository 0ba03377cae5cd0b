using IamDb.Aws.Errors;
using IamDb.Aws.Signing;
using static IamDb.Aws.Tests.Signing.SigV4VectorCases;

namespace IamDb.Aws.Tests.Signing;

/// <summary>The AWS SigV4 test suite (aws-c-auth v4, botocore, IAM ListUsers): signing reproduces every artefact, verifying accepts.</summary>
public class SigV4VectorTests
{
    /// <summary>Vectors that must not verify, with the reason and the error we return (see Vectors/README.md).</summary>
    private static readonly Dictionary<string, string> ExpectedVerificationFailures = new()
    {
        ["aws-c-auth-v4/post-sts-header-after/header"] = AwsErrorCodes.IncompleteSignature,  // token header added after signing
        ["aws-c-auth-v4/post-sts-header-after/query"] = AwsErrorCodes.SignatureDoesNotMatch, // token query parameter added after signing
        ["botocore/get-vanilla-with-session-token"] = AwsErrorCodes.SignatureDoesNotMatch,   // stale signature in .sreq
        ["botocore/post-sts-token/post-sts-header-after"] = AwsErrorCodes.IncompleteSignature,
    };

    private static readonly string[] S3OnlyCases =
    [
        "get-relative-relative-unnormalized", "get-relative-unnormalized", "get-slash-dot-slash-unnormalized",
        "get-slash-pointless-dot-unnormalized", "get-slash-unnormalized", "get-slashes-unnormalized", "get-space-unnormalized",
    ];

    public static TheoryData<string> AwsCAuthCases => new(AwsCAuthNormalized());

    public static TheoryData<string> BotocoreCases => new(Botocore());

    [Fact]
    public void VectorFolders_AreAllPresent()
    {
        Assert.Equal(38, AwsCAuthAll().Count());
        Assert.Equal(31, AwsCAuthNormalized().Count());
        Assert.Equal(34, Botocore().Count());
        Assert.True(File.Exists(Path.Combine(Root, "aws-c-auth-v4", "LICENSE")));
        Assert.True(File.Exists(Path.Combine(Root, "botocore", "NOTICE")));
    }

    [Theory]
    [MemberData(nameof(AwsCAuthCases))]
    public void SignHeaders_AwsCAuthVector_ReproducesCanonicalRequestStringToSignAndSignature(string name)
    {
        var context = AwsCAuthContext(name);
        var directory = AwsCAuthDirectory(name);
        var request = ParsedHttpRequest.Load(Path.Combine(directory, "request.txt")).ToSigningRequest();

        var signed = SigV4Signer.SignHeaders(request, Credentials(context), context.Region, context.Service, SuiteConstants.Time,
            addContentSha256Header: context.SignBody);

        Assert.Equal(Read(Path.Combine(directory, "header-canonical-request.txt")), signed.CanonicalRequest);
        Assert.Equal(Read(Path.Combine(directory, "header-string-to-sign.txt")), signed.StringToSign);
        Assert.Equal(Read(Path.Combine(directory, "header-signature.txt")).Trim(), signed.Signature);
        var expectedAuthorization = ParsedHttpRequest.Load(Path.Combine(directory, "header-signed-request.txt"))
            .Headers.Single(h => h.Key == "Authorization").Value;
        Assert.Equal(expectedAuthorization, signed.Authorization);
    }

    [Theory]
    [MemberData(nameof(AwsCAuthCases))]
    public void Presign_AwsCAuthVector_ReproducesCanonicalRequestStringToSignAndSignature(string name)
    {
        var context = AwsCAuthContext(name);
        var directory = AwsCAuthDirectory(name);
        var request = ParsedHttpRequest.Load(Path.Combine(directory, "request.txt")).ToSigningRequest();

        var presigned = SigV4Signer.Presign(request, Credentials(context), context.Region, context.Service, SuiteConstants.Time,
            TimeSpan.FromSeconds(context.ExpiresSeconds));

        Assert.Equal(Read(Path.Combine(directory, "query-canonical-request.txt")), presigned.CanonicalRequest);
        Assert.Equal(Read(Path.Combine(directory, "query-string-to-sign.txt")), presigned.StringToSign);
        Assert.Equal(Read(Path.Combine(directory, "query-signature.txt")).Trim(), presigned.Signature);
        Assert.EndsWith("&X-Amz-Signature=" + presigned.Signature, presigned.RawQuery, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AwsCAuthCases))]
    public async Task VerifyAsync_AwsCAuthHeaderSignedRequest_AcceptsUnlessListedErratum(string name)
    {
        var request = ParsedHttpRequest.Load(Path.Combine(AwsCAuthDirectory(name), "header-signed-request.txt"));

        var result = await SuiteConstants.Verifier().VerifyAsync(request.ToReceived(), TestContext.Current.CancellationToken);

        AssertOutcome($"aws-c-auth-v4/{name}/header", result);
    }

    [Theory]
    [MemberData(nameof(AwsCAuthCases))]
    public async Task VerifyAsync_AwsCAuthQuerySignedRequest_AcceptsUnlessListedErratum(string name)
    {
        var request = ParsedHttpRequest.Load(Path.Combine(AwsCAuthDirectory(name), "query-signed-request.txt"));

        var result = await SuiteConstants.Verifier().VerifyAsync(request.ToReceived(), TestContext.Current.CancellationToken);

        AssertOutcome($"aws-c-auth-v4/{name}/query", result);
        if (result.IsSuccess)
        {
            Assert.Equal(SigV4AuthenticationKind.Query, result.Identity.Kind);
        }
    }

    [Fact]
    public async Task VerifyAsync_PostStsHeaderAfterWithUnsignedTokenAllowed_Accepts()
    {
        var options = new SigV4VerifierOptions { RequireSignedSecurityToken = false };
        var aws = ParsedHttpRequest.Load(Path.Combine(AwsCAuthDirectory("post-sts-header-after"), "header-signed-request.txt"));
        var boto = ParsedHttpRequest.Load(BotocoreFile("post-sts-token/post-sts-header-after", ".sreq"));

        var awsResult = await SuiteConstants.Verifier(options).VerifyAsync(aws.ToReceived(), TestContext.Current.CancellationToken);
        var botoResult = await SuiteConstants.Verifier(options).VerifyAsync(boto.ToReceived(), TestContext.Current.CancellationToken);

        Assert.True(awsResult.IsSuccess, awsResult.ToString());
        Assert.True(botoResult.IsSuccess, botoResult.ToString());
        Assert.NotNull(awsResult.Identity.SessionToken);
    }

    [Fact]
    public async Task UnnormalizedCases_AreS3Semantics_OnlyThoseWhosePathNeedsNoNormalisationVerify()
    {
        // normalize:false means S3 rules (path used as sent). IAM/STS/Redshift normalise, so these are out of scope:
        // the verifier applies the non-S3 rules and only the case whose path is already normal still matches.
        Assert.Equal(S3OnlyCases, AwsCAuthUnnormalized().ToArray());
        foreach (var name in S3OnlyCases)
        {
            var request = ParsedHttpRequest.Load(Path.Combine(AwsCAuthDirectory(name), "header-signed-request.txt"));
            var result = await SuiteConstants.Verifier().VerifyAsync(request.ToReceived(), TestContext.Current.CancellationToken);
            var signed = SigV4Signer.SignHeaders(
                ParsedHttpRequest.Load(Path.Combine(AwsCAuthDirectory(name), "request.txt")).ToSigningRequest(),
                Credentials(AwsCAuthContext(name)), SuiteConstants.Region, SuiteConstants.Service, SuiteConstants.Time);
            var s3CanonicalRequest = Read(Path.Combine(AwsCAuthDirectory(name), "header-canonical-request.txt"));

            if (name == "get-space-unnormalized")
            {
                Assert.True(result.IsSuccess, name);
                Assert.Equal(s3CanonicalRequest, signed.CanonicalRequest);
            }
            else
            {
                Assert.Equal(AwsErrorCodes.SignatureDoesNotMatch, result.Error?.Code);
                Assert.NotEqual(s3CanonicalRequest, signed.CanonicalRequest);
            }
        }
    }

    [Theory]
    [MemberData(nameof(BotocoreCases))]
    public void SignHeaders_BotocoreVector_ReproducesCanonicalRequestStringToSignAndAuthorization(string relative)
    {
        // post-sts-header-after: the token is added after signing, so it is not given to the signer.
        var tokenAddedAfter = relative.EndsWith("post-sts-header-after", StringComparison.Ordinal);
        var request = ParsedHttpRequest.Load(BotocoreFile(relative, ".req"))
            .ToSigningRequest(name => !(tokenAddedAfter && name == "X-Amz-Security-Token"));
        // botocore's runner passes this case's token as a credential (its .req has no token header); same token as aws-c-auth's.
        var token = relative == "get-vanilla-with-session-token" ? AwsCAuthContext(relative).Token : null;
        var credentials = new SigningCredentials(SuiteConstants.AccessKeyId, SuiteConstants.SecretAccessKey, token);

        var signed = SigV4Signer.SignHeaders(request, credentials, SuiteConstants.Region, SuiteConstants.Service, SuiteConstants.Time);

        Assert.Equal(Read(BotocoreFile(relative, ".creq")), signed.CanonicalRequest);
        Assert.Equal(Read(BotocoreFile(relative, ".sts")), signed.StringToSign);
        Assert.Equal(Read(BotocoreFile(relative, ".authz")), signed.Authorization);
    }

    [Theory]
    [MemberData(nameof(BotocoreCases))]
    public async Task VerifyAsync_BotocoreSignedRequest_AcceptsUnlessListedErratum(string relative)
    {
        var request = ParsedHttpRequest.Load(BotocoreFile(relative, ".sreq"));

        var result = await SuiteConstants.Verifier().VerifyAsync(request.ToReceived(), TestContext.Current.CancellationToken);

        AssertOutcome("botocore/" + relative, result);
    }

    [Fact]
    public void SignHeaders_IamListUsersExample_ReproducesDocumentedValues()
    {
        var directory = Path.Combine(Root, "iam-listusers");
        var request = ParsedHttpRequest.Load(Path.Combine(directory, "iam-listusers.req")).ToSigningRequest();
        var credentials = new SigningCredentials(SuiteConstants.AccessKeyId, SuiteConstants.SecretAccessKey);

        var signed = SigV4Signer.SignHeaders(request, credentials, "us-east-1", "iam", SuiteConstants.Time);

        Assert.Equal(Read(Path.Combine(directory, "iam-listusers.creq")), signed.CanonicalRequest);
        Assert.Equal(Read(Path.Combine(directory, "iam-listusers.sts")), signed.StringToSign);
        Assert.Equal(Read(Path.Combine(directory, "iam-listusers.authz")), signed.Authorization);
    }

    [Fact]
    public async Task VerifyAsync_IamListUsersExample_AcceptsWithIamScope()
    {
        var directory = Path.Combine(Root, "iam-listusers");
        var request = ParsedHttpRequest.Load(Path.Combine(directory, "iam-listusers.req"));
        request.Headers.Add(new("Authorization", Read(Path.Combine(directory, "iam-listusers.authz"))));
        var verifier = SuiteConstants.Verifier(new SigV4VerifierOptions { AllowedServices = ["iam", "sts", "redshift"] });

        var result = await verifier.VerifyAsync(request.ToReceived(), TestContext.Current.CancellationToken);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(("AKIDEXAMPLE", "us-east-1", "iam"), (result.Identity.AccessKeyId, result.Identity.Region, result.Identity.Service));
    }

    [Fact]
    public void ExpectedFailures_NameExistingVectors()
    {
        foreach (var key in ExpectedVerificationFailures.Keys)
        {
            var parts = key.Split('/');
            var exists = parts[0] == "aws-c-auth-v4"
                ? Directory.Exists(AwsCAuthDirectory(parts[1]))
                : File.Exists(BotocoreFile(string.Join('/', parts[1..]), ".sreq"));
            Assert.True(exists, key);
        }
    }

    private static void AssertOutcome(string key, SigV4VerificationResult result)
    {
        if (ExpectedVerificationFailures.TryGetValue(key, out var expectedCode))
        {
            Assert.False(result.IsSuccess, $"{key} is a documented erratum and must not verify");
            Assert.Equal(expectedCode, result.Error.Code);
        }
        else
        {
            Assert.True(result.IsSuccess, $"{key}: {result}");
            Assert.Equal(SuiteConstants.AccessKeyId, result.Identity.AccessKeyId);
            Assert.Equal(SuiteConstants.Time, result.Identity.SigningTime);
        }
    }

    private static SigningCredentials Credentials(VectorContext context) =>
        new(SuiteConstants.AccessKeyId, SuiteConstants.SecretAccessKey, context.OmitSessionToken ? null : context.Token);
}
