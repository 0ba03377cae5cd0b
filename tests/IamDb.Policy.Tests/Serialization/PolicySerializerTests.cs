using IamDb.Policy.Model;
using IamDb.Policy.Parsing;
using IamDb.Policy.Serialization;
using static IamDb.Policy.Tests.PolicyText;

namespace IamDb.Policy.Tests.Serialization;

public class PolicySerializerTests
{
    [Fact]
    public void Serialize_ParsedDocument_IsCanonicalAndCompact()
    {
        var parsed = PolicyParser.Parse(J("""
            {
              "Statement": {"Resource": ["arn:aws:redshift:*"], "Action": "redshift:GetClusterCredentials", "Effect": "Allow", "Sid": "A",
                "Condition": {"NumericLessThan": {"redshift:DurationSeconds": 901}, "StringLike": {"aws:username": ["a*", "b?"]}}},
              "Version": "2012-10-17"
            }
            """), PolicyKind.Identity).Document!;

        var json = PolicySerializer.Serialize(parsed);

        Assert.Equal(J("{'Version':'2012-10-17','Statement':[{'Sid':'A','Effect':'Allow','Action':'redshift:GetClusterCredentials'," +
            "'Resource':'arn:aws:redshift:*','Condition':{'NumericLessThan':{'redshift:DurationSeconds':'901'},'StringLike':{'aws:username':['a*','b?']}}}]}"), json);
    }

    [Fact]
    public void Serialize_Principals_WritesWildcardAndMaps()
    {
        var document = new PolicyDocument(null, "p", [
            new PolicyStatement(null, PolicyEffect.Allow, new ActionElement(false, ["*"]), new ResourceElement(true, ["*"]),
                new PrincipalElement(false, true, []), []),
            new PolicyStatement(null, PolicyEffect.Deny, new ActionElement(true, ["iam:*", "sts:*"]), new ResourceElement(false, ["*"]),
                new PrincipalElement(true, false, [new("AWS", ["123456789012"]), new("Service", ["a.amazonaws.com", "b.amazonaws.com"])]), []),
        ]);

        var json = PolicySerializer.Serialize(document);

        Assert.Equal(J("{'Id':'p','Statement':[{'Effect':'Allow','Principal':'*','Action':'*','NotResource':'*'}," +
            "{'Effect':'Deny','NotPrincipal':{'AWS':'123456789012','Service':['a.amazonaws.com','b.amazonaws.com']},'NotAction':['iam:*','sts:*'],'Resource':'*'}]}"), json);
    }

    [Fact]
    public void Serialize_CharactersOutsideIamSet_AreEscaped()
    {
        var document = new PolicyDocument(PolicyDocument.Version2012, null, [
            new PolicyStatement(null, PolicyEffect.Allow, new ActionElement(false, ["*"]), new ResourceElement(false, ["*"]), null,
                [new ConditionEntry("StringEquals", "aws:PrincipalTag/t", ["\u4e2d\"\\\u0001\n caf\u00e9"])]),
        ]);

        var json = PolicySerializer.Serialize(document);

        Assert.Contains("\"\\u4e2d\\\"\\\\\\u0001\\n caf\u00e9\"", json, StringComparison.Ordinal);
        var reparsed = PolicyParser.Parse(json, PolicyKind.Identity);
        Assert.True(PolicyDocumentEquality.Instance.Equals(document, reparsed.Document));
    }

    [Fact]
    public void Equality_DifferentListContents_AreNotEqual()
    {
        PolicyDocument Make(string action) => new(null, null, [
            new PolicyStatement(null, PolicyEffect.Allow, new ActionElement(false, [action]), new ResourceElement(false, ["*"]), null, []),
        ]);

        Assert.True(PolicyDocumentEquality.Instance.Equals(Make("iam:GetUser"), Make("iam:GetUser")));
        Assert.False(PolicyDocumentEquality.Instance.Equals(Make("iam:GetUser"), Make("iam:getuser")));
        Assert.Equal("Statement[0] differs", PolicyDocumentEquality.Describe(Make("a:b"), Make("a:c")));
    }
}
