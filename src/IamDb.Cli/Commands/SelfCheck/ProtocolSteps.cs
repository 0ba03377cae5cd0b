using System.Text;
using System.Xml.Linq;
using IamDb.Aws.Arns;
using IamDb.Aws.Errors;
using IamDb.Aws.Query;
using IamDb.Aws.Signing;

namespace IamDb.Cli.Commands.SelfCheck;

/// <summary>Self-check steps for the AWS protocol core (IamDb.Aws): SigV4, the Query protocol, ARNs.</summary>
internal static class ProtocolSteps
{
    // AWS's published example credentials (IAM User Guide, "ListUsers" signing example): not a real key.
    private const string ExampleKeyId = "AKIDEXAMPLE";
    private const string ExampleSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string ListUsersSignature = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
    private static readonly DateTimeOffset ExampleTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    public static IEnumerable<SelfCheckStep> All()
    {
        yield return new SelfCheckStep(
            "SigV4 signing reproduces AWS's published example",
            "Signs IAM ListUsers as the IAM User Guide does and compares the signature byte for byte.",
            _ => Task.FromResult(SignKnownAnswer()));
        yield return new SelfCheckStep(
            "SigV4 verification accepts what is signed, and nothing else",
            "Signs a Redshift GetClusterCredentials POST, verifies it as the broker would, then changes one byte of the body, "
            + "uses a wrong secret and an unknown key, and moves the clock 20 minutes.",
            VerifyRoundTripAsync);
        yield return new SelfCheckStep(
            "AWS Query protocol: form decoding, typed parameters, XML responses and errors",
            "Decodes a form body with a DbGroups list, reads typed parameters, writes a GetClusterCredentials response and an "
            + "error envelope, and parses both back.",
            _ => Task.FromResult(QueryRoundTrip()));
        yield return new SelfCheckStep(
            "ARNs for Redshift and IAM",
            "Builds the dbuser ARN a policy names, parses it back, and rejects a malformed ARN.",
            _ => Task.FromResult(ArnRoundTrip()));
    }

    private static string SignKnownAnswer()
    {
        var request = new SigV4Request(
            "GET", "iam.amazonaws.com", "/", "Action=ListUsers&Version=2010-05-08",
            [new("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], ReadOnlyMemory<byte>.Empty);
        var signed = SigV4Signer.SignHeaders(request, new SigningCredentials(ExampleKeyId, ExampleSecret), "us-east-1", "iam", ExampleTime);
        return signed.Signature == ListUsersSignature
            ? $"signature {signed.Signature[..16]}… matches AWS's example."
            : throw new SelfCheckFailedException($"signature {signed.Signature} differs from AWS's {ListUsersSignature}");
    }

    private static async Task<string> VerifyRoundTripAsync(CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var body = Encoding.UTF8.GetBytes(
            "Action=GetClusterCredentials&Version=2012-12-01&ClusterIdentifier=clustera&DbUser=adam&DbName=dba&DurationSeconds=900");
        var headers = new List<KeyValuePair<string, string>> { new("Content-Type", "application/x-www-form-urlencoded; charset=utf-8") };
        var request = new SigV4Request("POST", "127.0.0.1:5439", "/", "", headers, body);
        var signed = SigV4Signer.SignHeaders(request, new SigningCredentials(ExampleKeyId, ExampleSecret), "us-east-1", "redshift", now);
        var received = new List<KeyValuePair<string, string>>(headers) { new("Host", "127.0.0.1:5439") };
        received.AddRange(signed.HeadersToAdd);

        var verifier = new SigV4Verifier(new OneKey(), new FixedTime(now));
        await Expect(verifier, new SigV4ReceivedRequest("POST", "/", received, body), null, "the signed request", ct);

        var tampered = (byte[])body.Clone();
        tampered[^1] = (byte)'1';
        await Expect(verifier, new SigV4ReceivedRequest("POST", "/", received, tampered), AwsErrorCodes.SignatureDoesNotMatch, "a changed body", ct);

        var wrongSecret = SigV4Signer.SignHeaders(request, new SigningCredentials(ExampleKeyId, "x" + ExampleSecret[1..]), "us-east-1", "redshift", now);
        var wrong = new List<KeyValuePair<string, string>>(headers) { new("Host", "127.0.0.1:5439") };
        wrong.AddRange(wrongSecret.HeadersToAdd);
        await Expect(verifier, new SigV4ReceivedRequest("POST", "/", wrong, body), AwsErrorCodes.SignatureDoesNotMatch, "a wrong secret", ct);

        var unknown = SigV4Signer.SignHeaders(request, new SigningCredentials("AKIDUNKNOWNEXAMPLE", ExampleSecret), "us-east-1", "redshift", now);
        var unknownHeaders = new List<KeyValuePair<string, string>>(headers) { new("Host", "127.0.0.1:5439") };
        unknownHeaders.AddRange(unknown.HeadersToAdd);
        await Expect(verifier, new SigV4ReceivedRequest("POST", "/", unknownHeaders, body), AwsErrorCodes.InvalidClientTokenId, "an unknown key", ct);

        var late = new SigV4Verifier(new OneKey(), new FixedTime(now.AddMinutes(20)));
        await Expect(late, new SigV4ReceivedRequest("POST", "/", received, body), AwsErrorCodes.SignatureDoesNotMatch, "a clock 20 minutes ahead", ct);
        return "accepted once; refused a changed body, a wrong secret, an unknown key and a skewed clock with AWS's codes.";
    }

    private static async Task Expect(SigV4Verifier verifier, SigV4ReceivedRequest request, string? code, string what, CancellationToken ct)
    {
        var result = await verifier.VerifyAsync(request, ct);
        var got = result.IsSuccess ? null : result.Error?.Code;
        if (got != code)
        {
            throw new SelfCheckFailedException($"{what}: expected {code ?? "acceptance"}, got {got ?? "acceptance"}");
        }
    }

    private static string QueryRoundTrip()
    {
        var form = Encoding.UTF8.GetBytes("Action=GetClusterCredentials&Version=2012-12-01&ClusterIdentifier=clustera&DbUser=adam"
            + "&DbGroups.DbGroup.1=analysts&DbGroups.DbGroup.2=etl&AutoCreate=true&DurationSeconds=1800");
        if (!QueryDecoder.TryDecodeForm(form, out var parameters, out var decodeError))
        {
            throw new SelfCheckFailedException($"decoding failed: {decodeError?.Message}");
        }

        var reader = new QueryParameterReader(parameters, QueryValidationStyle.InvalidParameterValue);
        var groups = reader.OptionalStringList("DbGroups", "DbGroup");
        var duration = reader.OptionalInt("DurationSeconds", 900, 3600);
        var autoCreate = reader.OptionalBool("AutoCreate");
        if (reader.TryGetError(out var readError) || groups is not ["analysts", "etl"] || duration != 1800 || autoCreate != true)
        {
            throw new SelfCheckFailedException($"typed reading gave unexpected values: {readError?.Message}");
        }

        var expiration = new DateTimeOffset(2026, 11, 24, 3, 0, 0, 123, TimeSpan.Zero);
        var xml = QueryResponseWriter.ToBytes(QueryService.RedshiftNamespace, "GetClusterCredentials", "req-1", w =>
        {
            w.WriteString("DbUser", "IAM:adam<&>");
            w.WriteTimestamp("Expiration", expiration);
        });
        var doc = XDocument.Parse(Encoding.UTF8.GetString(xml));
        XNamespace ns = QueryService.RedshiftNamespace;
        var result = doc.Root?.Element(ns + "GetClusterCredentialsResult");
        if (result?.Element(ns + "DbUser")?.Value != "IAM:adam<&>" || result.Element(ns + "Expiration")?.Value != "2026-11-24T03:00:00.123Z")
        {
            throw new SelfCheckFailedException("the response XML did not round-trip");
        }

        var error = QueryResponseWriter.ErrorToBytes(
            QueryService.RedshiftNamespace, new AwsError("ClusterNotFound", "Cluster nosuch not found.", 404), "req-2");
        var errorDoc = XDocument.Parse(Encoding.UTF8.GetString(error));
        if (errorDoc.Descendants(ns + "Code").SingleOrDefault()?.Value != "ClusterNotFound"
            || errorDoc.Descendants(ns + "Type").SingleOrDefault()?.Value != "Sender")
        {
            throw new SelfCheckFailedException("the error envelope did not round-trip");
        }

        return $"{parameters.Count} parameters decoded, groups [{string.Join(", ", groups)}], response and error XML parsed back.";
    }

    private static string ArnRoundTrip()
    {
        var arn = Arn.RedshiftDbUser("us-east-1", "123456789012", "clustera", "adam");
        if (!Arn.TryParse(arn.ToString(), out var parsed, out _)
            || !parsed.TryGetRedshiftDbUser(out var cluster, out var user) || cluster != "clustera" || user != "adam")
        {
            throw new SelfCheckFailedException($"{arn} did not parse back to cluster clustera, user adam");
        }

        return Arn.TryParse("arn:aws:redshift:us-east-1", out _, out var error)
            ? throw new SelfCheckFailedException("a truncated ARN was accepted")
            : $"{arn} round-trips; a truncated ARN is refused ({error}).";
    }

    private sealed class OneKey : ISigningSecretSource
    {
        public ValueTask<SigningSecretLookup> FindAsync(string accessKeyId, string? sessionToken, CancellationToken cancellationToken) =>
            ValueTask.FromResult(accessKeyId == ExampleKeyId && sessionToken is null
                ? SigningSecretLookup.Found(ExampleSecret, keyStamp: 1)
                : SigningSecretLookup.UnknownAccessKey);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
