using CsCheck;
using IamDb.Policy.Model;
using IamDb.Policy.Parsing;
using IamDb.Policy.Serialization;

namespace IamDb.Policy.Tests.Serialization;

/// <summary>Random valid documents survive serialize → parse unchanged, and serializing is idempotent.</summary>
public class PolicyRoundTripProperties
{
    private const string Alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    // Free text: quotes, backslashes, control characters, Latin-1 and beyond (escaped on output), wildcards, variables.
    // (A surrogate pair stays together: a lone surrogate is not text and JSON cannot carry it.)
    private static readonly Gen<string> FreeText =
        Gen.OneOf("a", "b", "X", "Z", "0", "9", " ", "*", "?", ":", "/", "$", "{", "}", "${aws:username}", "\"", "\\", "\t", "\n",
            "\u0001", "\u007f", "\u00e9", "\u00ff", "\u4e2d", "\ud83d\ude00", "-", "_", ".", "@").Array[0, 12].Select(string.Concat);

    private static readonly Gen<string> Word = Gen.Char[Alphanumeric].Array[1, 8].Select(a => new string(a));

    private static readonly Gen<string> ActionPattern = Gen.Frequency(
        (1, Gen.Const("*")),
        (6, Gen.Select(Gen.OneOf("iam", "sts", "redshift", "s3", "iamdb"), Gen.Char[Alphanumeric + "*?"].Array[1, 10],
            (vendor, name) => $"{vendor}:{new string(name)}")));

    private static readonly Gen<string> ResourcePattern = Gen.Frequency(
        (1, Gen.Const("*")),
        (6, Gen.Select(Gen.OneOf("aws", "aws-cn", "*"), Gen.OneOf("redshift", "iam", "s3"), FreeText,
            (partition, service, rest) => $"arn:{partition}:{service}:us-east-1:123456789012:{rest}")));

    private static readonly Gen<ConditionEntry[]> Conditions =
        Gen.OneOf("StringEquals", "ForAnyValue:StringLike", "NumericLessThanIfExists", "Bool", "Null", "ArnNotLike", "DateGreaterThan", "IpAddress")
            .Array[0, 3]
            .SelectMany(ops => Word.Array[1, 3].Array[ops.Length].SelectMany(keys =>
                FreeText.Array[1, 3].Array[ops.Length * 3].Select(values =>
                {
                    var entries = new List<ConditionEntry>();
                    var seen = new HashSet<string>();
                    for (var i = 0; i < ops.Length; i++)
                    {
                        if (!seen.Add(ops[i]))
                        {
                            continue;
                        }

                        foreach (var key in keys[i].Distinct())
                        {
                            entries.Add(new ConditionEntry(ops[i], $"aws:{key}", values[(i * 3) + (entries.Count % 3)]));
                        }
                    }

                    return entries.ToArray();
                })));

    private static readonly Gen<PrincipalElement?> Principal = Gen.Frequency(
        (1, Gen.Const<PrincipalElement?>(new PrincipalElement(false, true, []))),
        (3, Gen.Select(Gen.Bool, Gen.OneOf("123456789012", "*", "arn:aws:iam::123456789012:role/r", "arn:aws:sts::123456789012:assumed-role/r/s").Array[1, 3],
            Word.Array[0, 2],
            (isNot, aws, services) =>
            {
                var map = new List<KeyValuePair<string, IReadOnlyList<string>>> { new("AWS", aws) };
                if (services.Length > 0)
                {
                    map.Add(new("Service", services.Select(s => $"{s}.amazonaws.com").ToArray()));
                }

                return (PrincipalElement?)new PrincipalElement(isNot, false, map);
            })));

    private static Gen<PolicyStatement> Statement(bool withPrincipal) =>
        Gen.Select(
            Gen.Bool, Gen.Bool, ActionPattern.Array[1, 3], Gen.Bool, ResourcePattern.Array[1, 3],
            withPrincipal ? Principal : Gen.Const(() => (PrincipalElement?)null), Conditions,
            (allow, notAction, actions, notResource, resources, principal, conditions) => new PolicyStatement(
                null, allow ? PolicyEffect.Allow : PolicyEffect.Deny, new ActionElement(notAction, actions),
                new ResourceElement(notResource, resources), principal, conditions));

    private static Gen<PolicyDocument> Document(bool withPrincipal) =>
        Gen.Select(
            Gen.OneOf<string?>(PolicyDocument.Version2012, PolicyDocument.Version2008, null),
            Gen.OneOf<string?>(null, "policy-1", "x\u00e9\"y"),
            Statement(withPrincipal).Array[1, 4],
            Word.Array[4],
            Gen.Bool.Array[4],
            (version, id, statements, sids, useSid) => new PolicyDocument(version, id,
                statements.Select((s, i) => s with { Sid = useSid[i] ? $"{sids[i]}{i}" : null }).ToArray()));

    [Fact]
    public void SerializeThenParse_IdentityDocument_IsStructurallyEqual() => RoundTrip(Document(withPrincipal: false), PolicyKind.Identity);

    [Fact]
    public void SerializeThenParse_ResourceDocument_IsStructurallyEqual() => RoundTrip(Document(withPrincipal: true), PolicyKind.Resource);

    private static void RoundTrip(Gen<PolicyDocument> documents, PolicyKind kind) =>
        documents.Sample(document =>
        {
            var json = PolicySerializer.Serialize(document);
            var parsed = PolicyParser.Parse(json, kind);
            Assert.True(parsed.IsValid, $"{json}\n{string.Join("\n", parsed.Errors)}");
            Assert.True(PolicyDocumentEquality.Instance.Equals(document, parsed.Document), PolicyDocumentEquality.Describe(document, parsed.Document!) + "\n" + json);

            // Idempotent: serializing the parsed document gives the same text, and parsing it again the same document.
            var again = PolicySerializer.Serialize(parsed.Document!);
            Assert.Equal(json, again);
            Assert.True(PolicyDocumentEquality.Instance.Equals(parsed.Document, PolicyParser.Parse(again, kind).Document));
        }, iter: 2000, print: PolicySerializer.Serialize);
}
