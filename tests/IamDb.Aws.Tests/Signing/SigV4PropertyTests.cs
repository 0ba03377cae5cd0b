using CsCheck;
using IamDb.Aws.Encoding;
using IamDb.Aws.Errors;
using IamDb.Aws.Signing;
using Microsoft.Extensions.Time.Testing;

namespace IamDb.Aws.Tests.Signing;

/// <summary>Signer and verifier agree on any request; any change to a signed part is caught.</summary>
public class SigV4PropertyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private const string Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private const string Lower = "abcdefghijklmnopqrstuvwxyz";
    private const string Digits = "0123456789";

    private static Gen<string> Pick(params string[] values) => Gen.Int[0, values.Length - 1].Select(i => values[i]);

    private static readonly Gen<string> Text = Gen.String[Gen.Char["abcXYZ019-_.~ +/%=&?é中😀"], 0, 12];

    private static readonly Gen<string> Token = Gen.String[Gen.Char[Upper + Lower + Digits + "+/="], 20, 60];

    private static readonly Gen<string> RawPath = Gen.Select(Gen.String[Gen.Char["abc. %é"], 0, 6].Array[1, 4], Gen.Bool)
        .Select((segments, trailing) => "/" + string.Join('/', segments.Select(s => PercentEncoding.Encode(s))) + (trailing ? "/" : ""));

    private static readonly Gen<string> RawQuery = Gen.Select(Text, Text).Array[0, 5]
        .Select(pairs => string.Join('&', pairs.Select(p => PercentEncoding.Encode(p.Item1) + "=" + PercentEncoding.Encode(p.Item2))));

    private static readonly Gen<KeyValuePair<string, string>[]> ExtraHeaders =
        Gen.Select(Gen.String[Gen.Char[Lower], 1, 8], Gen.String[Gen.Char[' ', '~'], 0, 30])
            .Select((n, v) => new KeyValuePair<string, string>("x-test-" + n, v)).Array[0, 3];

    private static readonly Gen<Scenario> Scenarios =
        Gen.Select(Pick("GET", "POST", "PUT", "DELETE"), RawPath, RawQuery, ExtraHeaders, Gen.Byte.Array[0, 300],
                Gen.Select(Gen.String[Gen.Char[Upper + Digits], 16, 20], Gen.String[Gen.Char[Upper + Lower + Digits + "/+"], 40, 40], Token, Gen.Bool),
                Gen.Select(Pick("us-east-1", "eu-west-1", "ap-southeast-2", "local"), Pick("iam", "sts", "redshift")),
                Gen.Int[-14 * 60, 14 * 60])
            .Select((method, path, query, headers, body, keys, scope, skewSeconds) => new Scenario(
                method, path, query, headers, body,
                new SigningCredentials("AKIA" + keys.Item1, keys.Item2, keys.Item4 ? keys.Item3 : null),
                scope.Item1, scope.Item2, Now.AddSeconds(skewSeconds)));

    [Fact]
    public void VerifyAsync_AnyHeaderSignedRequest_IsAccepted() =>
        Scenarios.Sample(s =>
        {
            var result = Verify(s, s.HeaderSigned());
            Assert.True(result.IsSuccess, result.ToString());
            Assert.Equal((s.Credentials.AccessKeyId, s.Region, s.Service), (result.Identity.AccessKeyId, result.Identity.Region, result.Identity.Service));
        }, iter: 300);

    [Fact]
    public void VerifyAsync_AnyPresignedRequest_IsAccepted() =>
        Scenarios.Sample(s =>
        {
            var result = Verify(s, s.Presigned());
            Assert.True(result.IsSuccess, result.ToString());
            Assert.Equal(SigV4AuthenticationKind.Query, result.Identity.Kind);
        }, iter: 300);

    public static TheoryData<string> Mutations => new(MutationTable.Keys);

    private static readonly Dictionary<string, (Func<Scenario, SigV4ReceivedRequest, SigV4ReceivedRequest> Change, SigV4FailureReason Reason)> MutationTable = new()
    {
        ["method"] = ((_, r) => new(r.Method == "GET" ? "HEAD" : "GET", r.RawTarget, r.Headers, r.Body), SigV4FailureReason.SignatureMismatch),
        ["path"] = ((s, r) => new(r.Method, s.RawPath + "z" + r.RawTarget[s.RawPath.Length..], r.Headers, r.Body), SigV4FailureReason.SignatureMismatch),
        ["query value"] = ((_, r) => new(r.Method, r.RawTarget + (r.RawTarget.Contains('?') ? "&" : "?") + "z=1", r.Headers, r.Body),
            SigV4FailureReason.SignatureMismatch),
        ["signed header value"] = ((_, r) => r.WithHeader("Content-Type", "text/plain"), SigV4FailureReason.SignatureMismatch),
        ["body"] = ((_, r) => new(r.Method, r.RawTarget, r.Headers, r.Body.ToArray().Append((byte)'!').ToArray()), SigV4FailureReason.SignatureMismatch),
        ["date within window"] = ((s, r) => r.WithHeader("X-Amz-Date", Format(s.SigningTime.AddSeconds(s.SigningTime.Second == 59 ? -1 : 1))),
            SigV4FailureReason.SignatureMismatch),
        ["date beyond window"] = ((s, r) => r.WithHeader("X-Amz-Date", Format(Now.AddMinutes(-16))), SigV4FailureReason.ClockSkew),
        ["scope region"] = ((s, r) => r.WithHeader("Authorization", r.Authorization().Replace($"/{s.Region}/", "/xx-test-9/", StringComparison.Ordinal)),
            SigV4FailureReason.SignatureMismatch),
        ["scope service"] = ((s, r) => r.WithHeader("Authorization", r.Authorization().Replace($"/{s.Service}/", "/other/", StringComparison.Ordinal)),
            SigV4FailureReason.SignatureMismatch),
    };

    [Theory]
    [MemberData(nameof(Mutations))]
    public void VerifyAsync_SignedPartChanged_IsRejectedWithSignatureDoesNotMatch(string mutation)
    {
        var (change, reason) = MutationTable[mutation];
        Scenarios.Sample(s =>
        {
            var result = Verify(s, change(s, s.HeaderSigned()));
            Assert.False(result.IsSuccess, mutation);
            Assert.Equal(AwsErrorCodes.SignatureDoesNotMatch, result.Error.Code);
            Assert.Equal(403, result.Error.HttpStatus);
            Assert.Equal(reason, result.FailureReason);
        }, iter: 100);
    }

    [Fact]
    public void VerifyAsync_ArbitraryGarbage_NeverThrows()
    {
        var garbage = Gen.String[Gen.Char[' ', '~'], 0, 200];
        Gen.Select(garbage, garbage, garbage, garbage).Sample((target, authorization, date, other) =>
        {
            var headers = new List<KeyValuePair<string, string>>
            {
                new("Host", "h"), new("Authorization", "AWS4-HMAC-SHA256 " + authorization), new("X-Amz-Date", date), new("X", other),
            };
            var result = Verify(null, new SigV4ReceivedRequest("GET", "/" + target, headers, default));
            Assert.False(result.IsSuccess);
            Assert.InRange(result.Error.HttpStatus, 400, 499);

            var query = Verify(null, new SigV4ReceivedRequest("GET", "/?X-Amz-Algorithm=" + target + "&" + other, [new("Host", "h")], default));
            Assert.False(query.IsSuccess);
        }, iter: 2000);
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static SigV4VerificationResult Verify(Scenario? s, SigV4ReceivedRequest request)
    {
        var secrets = new InMemorySecretSource();
        if (s is not null)
        {
            secrets.Add(s.Credentials.AccessKeyId, s.Credentials.SecretAccessKey, s.Credentials.SessionToken);
        }

        // The in-memory source answers synchronously, so the task is already complete.
        var pending = new SigV4Verifier(secrets, new FakeTimeProvider(Now)).VerifyAsync(request).AsTask();
        Assert.True(pending.IsCompletedSuccessfully);
        return pending.Result;
    }

    internal sealed record Scenario(
        string Method, string RawPath, string RawQuery, KeyValuePair<string, string>[] Extra, byte[] Body,
        SigningCredentials Credentials, string Region, string Service, DateTimeOffset SigningTime)
    {
        private SigV4Request Request() => new(Method, "127.0.0.1:8080", RawPath, RawQuery,
            [new("Content-Type", "application/x-www-form-urlencoded"), .. Extra], Body);

        private string Target(string query) => query.Length == 0 ? RawPath : RawPath + "?" + query;

        public SigV4ReceivedRequest HeaderSigned()
        {
            var request = Request();
            var signed = SigV4Signer.SignHeaders(request, Credentials, Region, Service, SigningTime);
            return new SigV4ReceivedRequest(Method, Target(RawQuery),
                [new("Host", request.Host), .. request.Headers, .. signed.HeadersToAdd], Body);
        }

        public SigV4ReceivedRequest Presigned()
        {
            var request = Request();
            var signed = SigV4Signer.Presign(request, Credentials, Region, Service, SigningTime, TimeSpan.FromMinutes(20));
            return new SigV4ReceivedRequest(Method, signed.RawTarget, [new("Host", request.Host), .. request.Headers], Body);
        }

        public override string ToString() => $"{Method} {Target(RawQuery)} {Region}/{Service} at {SigningTime:O}, {Credentials}";
    }
}
