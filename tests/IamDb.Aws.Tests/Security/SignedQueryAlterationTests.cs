using System.Text;
using System.Text.Json.Nodes;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;
using CsCheck;
using IamDb.Aws.Encoding;
using IamDb.Aws.Query;
using IamDb.Aws.Signing;
using IamDb.Aws.Tests.Signing;
using IamDb.Aws.Tests.Signing.Compatibility;
using Microsoft.Extensions.Time.Testing;

namespace IamDb.Aws.Tests.Security;

/// <summary>
/// A request signed by one party cannot be re-sent with different wire bytes that the broker reads as different
/// parameters: whatever verification accepts, the query decoder must read exactly as the signer meant it.
/// </summary>
public class SignedQueryAlterationTests
{
    private const string AccessKey = "AKIAIOSFODNN7EXAMPLE";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private const string Host = "127.0.0.1:8080";
    private static readonly DateTimeOffset SignedAt = new(2026, 11, 24, 9, 30, 0, TimeSpan.Zero);

    private static readonly string[] Names = ["UserName", "PathPrefix", "Marker", "Tags.member.1.Value", "Description"];

    private static readonly Gen<string> Value = Gen.String[Gen.Char["ab +%&=/~-_.é中😀"], 0, 8];

    // Distinct names (a signer never repeats one), random values, Action and Version first as the SDKs send them.
    private static readonly Gen<KeyValuePair<string, string>[]> Parameters =
        Gen.Select(Gen.Int[1, Names.Length], Value.Array[Names.Length])
            .Select((count, values) => new[] { new KeyValuePair<string, string>("Action", "ListUsers"), new("Version", "2010-05-08") }
                .Concat(Names.Take(count).Select((name, i) => new KeyValuePair<string, string>(name, values[i]))).ToArray());

    [Fact]
    public async Task VerifyAsync_SignedPercent2BSentAsPlus_IsNotReadAsASpace()
    {
        var signed = SignWithIamDb("Action=GetUser&Version=2010-05-08&UserName=a%2Bb");
        var altered = signed with { RawQuery = signed.RawQuery.Replace("a%2Bb", "a+b", StringComparison.Ordinal) };

        var result = await Verify(altered);
        var decoded = QueryDecoder.TryDecodeQueryString(altered.RawQuery, out var parameters, out _);

        // Either the altered bytes do not verify, or they are read as the signer wrote them.
        Assert.True(!result.IsSuccess || (decoded && parameters.Get("UserName") == "a+b"),
            $"verified={result.IsSuccess}, UserName read as '{parameters.Get("UserName")}'");
    }

    [Fact]
    public async Task VerifyAsync_SignedSpaceSentAsPlus_IsRefused()
    {
        var signed = SignWithIamDb("Action=GetUser&Version=2010-05-08&UserName=a%20b");
        var altered = signed with { RawQuery = signed.RawQuery.Replace("a%20b", "a+b", StringComparison.Ordinal) };

        var result = await Verify(altered);
        var decoded = QueryDecoder.TryDecodeQueryString(altered.RawQuery, out var parameters, out _);

        Assert.True(!result.IsSuccess || (decoded && parameters.Get("UserName") == "a b"),
            $"verified={result.IsSuccess}, UserName read as '{parameters.Get("UserName")}'");
    }

    [Fact]
    public async Task VerifyAsync_DuplicateKeysReordered_AreNotReadAsTheOtherValue()
    {
        var signed = SignWithIamDb("Action=GetUser&Version=2010-05-08&UserName=alice&UserName=bob");
        var altered = signed with { RawQuery = "Action=GetUser&Version=2010-05-08&UserName=bob&UserName=alice" };

        var result = await Verify(altered);
        var signedMeaning = Meaning(signed.RawQuery);
        var alteredMeaning = Meaning(altered.RawQuery);

        // Canonicalization sorts duplicates, so the reordered bytes verify; the decoder must then refuse them.
        Assert.True(!result.IsSuccess || alteredMeaning is null || alteredMeaning == signedMeaning, $"read as {alteredMeaning}");
    }

    [Fact]
    public async Task VerifyAsync_EscapedCharacterSentRaw_IsReadAsTheSameCharacter()
    {
        var signed = SignWithIamDb("Action=GetUser&Version=2010-05-08&UserName=%F0%9F%98%80");
        var altered = signed with { RawQuery = "Action=GetUser&Version=2010-05-08&UserName=😀" };

        var result = await Verify(altered);

        Assert.True(!result.IsSuccess || Meaning(altered.RawQuery) is null || Meaning(altered.RawQuery) == Meaning(signed.RawQuery),
            $"read as {Meaning(altered.RawQuery)}");
    }

    [Fact]
    public void AnyWireChange_ToARequestSignedByIamDbOrTheAwsSdk_ThatChangesAValue_FailsVerification() =>
        Parameters.Sample(
            parameters =>
            {
                var query = Encode(parameters);
                AssertAlterationsRefused(SignWithIamDb(query));
                AssertAlterationsRefused(SignWithIamDb(string.Join('&', query.Split('&').Select(p => p.Replace("%20", "+", StringComparison.Ordinal)))));
                AssertAlterationsRefused(SignWithAwsSdk(query));
            },
            iter: 150,
            threads: 1);

    [Fact]
    public void AnyWireChange_ToARequestSignedByBotocore_ThatChangesAValue_FailsVerification() =>
        Parameters.Array[80].Sample(
            batch =>
            {
                // One Python process signs the whole batch.
                var signed = SignWithBotocore(batch.Select(Encode).ToList());
                Assert.Equal(batch.Length, signed.Count);
                foreach (var request in signed)
                {
                    AssertAlterationsRefused(request);
                }
            },
            iter: 1,
            threads: 1);

    private static void AssertAlterationsRefused(SignedGet signed)
    {
        var original = Verify(signed).GetAwaiter().GetResult();
        Assert.True(original.IsSuccess, $"{signed.Signer} {signed.RawQuery}: {original}");
        var meaning = Meaning(signed.RawQuery);
        foreach (var (change, rawQuery) in Alterations(signed.RawQuery))
        {
            if (rawQuery == signed.RawQuery)
            {
                continue;
            }

            var result = Verify(signed with { RawQuery = rawQuery }).GetAwaiter().GetResult();
            var altered = Meaning(rawQuery);
            Assert.True(
                !result.IsSuccess || altered is null || altered == meaning,
                $"{signed.Signer}: '{change}' turned {signed.RawQuery} into {rawQuery}, which verified and reads as {altered} instead of {meaning}");
        }
    }

    /// <summary>Every wire-level edit an attacker between signer and broker could make to the query string.</summary>
    private static IEnumerable<(string Change, string RawQuery)> Alterations(string raw)
    {
        yield return ("%20 to +", raw.Replace("%20", "+", StringComparison.Ordinal));
        yield return ("first %20 to +", ReplaceFirst(raw, "%20", "+"));
        yield return ("%2B to +", raw.Replace("%2B", "+", StringComparison.Ordinal));
        yield return ("+ to %20", raw.Replace("+", "%20", StringComparison.Ordinal));
        yield return ("+ to %2B", raw.Replace("+", "%2B", StringComparison.Ordinal));
        yield return ("%2B to %20", raw.Replace("%2B", "%20", StringComparison.Ordinal));
        yield return ("%20 to %2B", raw.Replace("%20", "%2B", StringComparison.Ordinal));
        yield return ("lower-case escapes", System.Text.RegularExpressions.Regex.Replace(raw, "%[0-9A-F]{2}", m => m.Value.ToLowerInvariant()));
        yield return ("escape an unreserved character", ReplaceFirst(raw, "a", "%61"));
        yield return ("unescape UTF-8", System.Text.RegularExpressions.Regex.Replace(raw, "(%[0-9A-Fa-f]{2})+", m => Unescape(m.Value)));
        yield return ("unescape %25", raw.Replace("%25", "%", StringComparison.Ordinal));
        yield return ("unescape %26", raw.Replace("%26", "&", StringComparison.Ordinal));
        yield return ("unescape %3D", raw.Replace("%3D", "=", StringComparison.Ordinal));
        var pairs = raw.Split('&');
        yield return ("reverse the pairs", string.Join('&', pairs.Reverse()));
        yield return ("duplicate the last pair", raw + "&" + pairs[^1]);
        yield return ("repeat the last key with another value", raw + "&" + pairs[^1].Split('=')[0] + "=x");
        yield return ("repeat the last key, empty", raw + "&" + pairs[^1].Split('=')[0] + "=");
        yield return ("repeat the last key before it", pairs[^1].Split('=')[0] + "=x&" + raw);
        yield return ("add an empty value", raw + "&Extra=");
        yield return ("add a key without =", raw + "&Extra");
        yield return ("add an empty pair", raw + "&&");
        yield return ("add an empty key", raw + "&=x");
        yield return ("drop = of empty values", string.Join('&', pairs.Select(p => p.EndsWith('=') ? p[..^1] : p)));
        yield return ("drop the last pair", string.Join('&', pairs[..^1]));
        yield return ("drop empty values", string.Join('&', pairs.Where(p => !p.EndsWith('='))));
        yield return ("append = to a value", string.Join('&', pairs.Select((p, i) => i == pairs.Length - 1 ? p + "=" : p)));
        yield return ("truncate the last value", pairs[^1].Length > pairs[^1].IndexOf('=') + 1 ? raw[..^1] : raw);
    }

    private static string ReplaceFirst(string text, string find, string replacement)
    {
        var at = text.IndexOf(find, StringComparison.Ordinal);
        return at < 0 ? text : string.Concat(text.AsSpan(0, at), replacement, text.AsSpan(at + find.Length));
    }

    // %XX%YY… decoded to text when the bytes are valid UTF-8 of characters that may travel raw (not & = + % or controls).
    private static string Unescape(string escapes)
    {
        var bytes = new byte[escapes.Length / 3];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = Convert.ToByte(escapes.Substring((i * 3) + 1, 2), 16);
        }

        try
        {
            var text = new UTF8Encoding(false, true).GetString(bytes);
            return text.Any(c => c < 0x80) ? escapes : text;
        }
        catch (DecoderFallbackException)
        {
            return escapes;
        }
    }

    /// <summary>The parameters as the broker reads them (a multimap, per-name order kept), or null when it refuses them.</summary>
    private static string? Meaning(string rawQuery)
    {
        if (!QueryDecoder.TryDecodeQueryString(rawQuery, out var parameters, out _))
        {
            return null;
        }

        return string.Join("\n", parameters.GroupBy(p => p.Key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key + "=" + string.Join("\u0001", g.Select(p => p.Value))));
    }

    private static string Encode(IEnumerable<KeyValuePair<string, string>> parameters) =>
        string.Join('&', parameters.Select(p => PercentEncoding.Encode(p.Key) + "=" + PercentEncoding.Encode(p.Value)));

    // The clock stands 30 s after the request's own X-Amz-Date (botocore signs at the current time).
    private static Task<SigV4VerificationResult> Verify(SignedGet request)
    {
        var amzDate = request.Headers.First(h => h.Key.Equals("X-Amz-Date", StringComparison.OrdinalIgnoreCase)).Value;
        var signedAt = DateTimeOffset.ParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal);
        return new SigV4Verifier(new InMemorySecretSource().Add(AccessKey, Secret), new FakeTimeProvider(signedAt.AddSeconds(30)))
            .VerifyAsync(new SigV4ReceivedRequest("GET", "/?" + request.RawQuery, request.Headers, default)).AsTask();
    }

    private static SignedGet SignWithIamDb(string rawQuery)
    {
        var signature = SigV4Signer.SignHeaders(
            new SigV4Request("GET", Host, "/", rawQuery, [], default), new SigningCredentials(AccessKey, Secret), "us-east-1", "iam", SignedAt);
        return new SignedGet("iamdb", rawQuery, [new("Host", Host), .. signature.HeadersToAdd]);
    }

    private static SignedGet SignWithAwsSdk(string rawQuery)
    {
        var request = new AWSSigningRequest { HttpMethod = HttpMethod.Get, RequestUri = new Uri($"http://{Host}/?{rawQuery}") };
        var signed = AWSSigV4Signer.Sign(request, new AWSSigV4Parameters
        {
            Credentials = new BasicAWSCredentials(AccessKey, Secret),
            Region = RegionEndpoint.USEast1,
            Service = "iam",
            SignedAt = SignedAt.UtcDateTime,
        });
        var headers = request.Headers.Concat(signed.Headers).GroupBy(h => h.Key, StringComparer.OrdinalIgnoreCase).Select(g => g.Last()).ToList();
        if (!headers.Any(h => h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase)))
        {
            headers.Add(new("Host", Host));
        }

        // What goes on the wire is the URI's query as .NET sends it.
        return new SignedGet("AWSSDK.Core", request.RequestUri.PathAndQuery[2..], headers);
    }

    private static List<SignedGet> SignWithBotocore(List<string> rawQueries)
    {
        var cases = new JsonArray([.. rawQueries.Select((query, i) => (JsonNode)new JsonObject
        {
            ["id"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["method"] = "GET",
            ["url"] = $"http://{Host}/?{query}",
            ["headers"] = new JsonObject(),
            ["body"] = "",
            ["access_key"] = AccessKey,
            ["secret_key"] = Secret,
            ["token"] = null,
            ["region"] = "us-east-1",
            ["service"] = "iam",
            ["presign_expires"] = null,
        })]);
        return BotocoreCompatibilityTests.RunSigner(cases.ToJsonString())["results"]!.AsArray()
            .Where(node => node!["signer"]!.GetValue<string>() == "botocore")
            .Select(node =>
            {
                var url = node!["url"]!.GetValue<string>();
                var headers = node["headers"]!.AsArray()
                    .Select(h => new KeyValuePair<string, string>(h![0]!.GetValue<string>(), h[1]!.GetValue<string>())).ToList();
                headers.Add(new("Host", Host));
                return new SignedGet("botocore", url[(url.IndexOf('?', StringComparison.Ordinal) + 1)..], headers);
            })
            .ToList();
    }

    private sealed record SignedGet(string Signer, string RawQuery, List<KeyValuePair<string, string>> Headers);
}
