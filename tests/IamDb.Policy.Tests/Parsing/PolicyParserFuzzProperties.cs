using CsCheck;
using IamDb.Policy.Parsing;

namespace IamDb.Policy.Tests.Parsing;

/// <summary>The parser never throws: any text yields a document or errors.</summary>
public class PolicyParserFuzzProperties
{
    private static readonly string Seed = PolicyText.J(
        "{'Version':'2012-10-17','Statement':[{'Sid':'A','Effect':'Allow','Principal':{'AWS':'123456789012'},'Action':['redshift:Get*']," +
        "'Resource':'arn:aws:redshift:*:*:dbuser:c/u','Condition':{'StringEquals':{'aws:username':['a',1,true]}}}]}");

    [Fact]
    public void Parse_MutatedDocument_NeverThrows() =>
        Gen.Select(Gen.Int[0, Seed.Length - 1], Gen.Int[0, 8], Gen.OneOf("", "\"", "{", "}", "[", "]", ",", ":", "\\u", "\\ud800", "null", "1e999", "\u4e2d", "\n"))
            .Array[1, 6]
            .Sample(edits =>
            {
                var text = Seed;
                foreach (var (at, remove, insert) in edits)
                {
                    var start = Math.Min(at, text.Length);
                    text = text.Remove(start, Math.Min(remove, text.Length - start)).Insert(start, insert);
                }

                foreach (var kind in Enum.GetValues<PolicyKind>())
                {
                    var result = PolicyParser.Parse(text, kind);
                    Assert.True(result.IsValid ^ (result.Errors.Count > 0));
                }
            }, iter: 3000);
}
