using IamDb.Aws.Signing;

namespace IamDb.Aws.Tests.Signing;

public class CanonicalComponentsTests
{
    [Theory]
    [InlineData("", "/")]
    [InlineData("/", "/")]
    [InlineData("/a/b", "/a/b")]
    [InlineData("//example//", "/example/")]
    [InlineData("/example/..", "/")]
    [InlineData("/example1/example2/../..", "/")]
    [InlineData("/./example", "/example")]
    [InlineData("/a/./b/../c/", "/a/c/")]
    [InlineData("/example space/", "/example%20space/")]
    [InlineData("/a%20b", "/a%2520b")]
    [InlineData("/ሴ", "/%E1%88%B4")]
    [InlineData("/example/$delete", "/example/%24delete")]
    public void AppendPath_RawPath_NormalisesAndEncodesLikeSdks(string rawPath, string expected) =>
        Assert.Equal(expected, Build((ref Utf8Builder b) => CanonicalComponents.AppendPath(ref b, rawPath)));

    [Theory]
    [InlineData("", "")]
    [InlineData("Version=2010-05-08&Action=ListUsers", "Action=ListUsers&Version=2010-05-08")]
    [InlineData("a=b+c", "a=b%2Bc")]
    [InlineData("a=b%2bc", "a=b%2Bc")]
    [InlineData("a=b%20c&a=b c", "a=b%20c&a=b%20c")]
    [InlineData("id-type=1&id=2", "id=2&id-type=1")]
    [InlineData("Param1=value2&Param1=Value1", "Param1=Value1&Param1=value2")]
    [InlineData("flag&x=", "flag=&x=")]
    [InlineData("a=1&&b=2", "a=1&b=2")]
    [InlineData("%E1%88%B4=Value1&Param=Value2", "%E1%88%B4=Value1&Param=Value2")]
    [InlineData("k=%7e%2d", "k=~-")]
    public void TryAppendQuery_RawQuery_DecodesReencodesAndSortsPairs(string rawQuery, string expected)
    {
        string? error = "unset";
        var actual = Build((ref Utf8Builder b) => CanonicalComponents.TryAppendQuery(ref b, rawQuery, dropSignature: false, out error));
        Assert.Null(error);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void TryAppendQuery_Presigned_DropsOnlyTheSignature()
    {
        var actual = Build((ref Utf8Builder b) =>
            CanonicalComponents.TryAppendQuery(ref b, "X-Amz-Signature=abc&X-Amz-Date=1&a=2", dropSignature: true, out _));
        Assert.Equal("X-Amz-Date=1&a=2", actual);
    }

    [Theory]
    [InlineData("a=%", "Incomplete trailing escape (%) pattern")]
    [InlineData("a=%4", "Incomplete trailing escape (%) pattern")]
    [InlineData("a=%G1", "Illegal hex characters in escape (%) pattern - %G1")]
    [InlineData("a=%FF", "The request contains bytes that are not valid UTF-8 after percent-decoding")]
    public void TryAppendQuery_BadEscape_FailsWithMalformedQueryStringText(string rawQuery, string expected)
    {
        string? error = null;
        var ok = true;
        Build((ref Utf8Builder b) => ok = CanonicalComponents.TryAppendQuery(ref b, rawQuery, dropSignature: false, out error));
        Assert.False(ok);
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("value1\n  value2\n     value3", "value1 value2 value3")]   // obsolete line folding (aws-c-auth erratum)
    [InlineData("  a   b\t\tc  ", "a b c")]
    [InlineData("\"a   b   c\"", "\"a b c\"")]
    [InlineData("plain", "plain")]
    [InlineData("", "")]
    public void AppendHeaderValue_Whitespace_IsTrimmedAndCollapsed(string value, string expected) =>
        Assert.Equal(expected, Build((ref Utf8Builder b) => CanonicalComponents.AppendHeaderValue(ref b, value)));

    [Fact]
    public void AppendHeaderValue_MultilineVector_MatchesAwsCAuthCanonicalLine()
    {
        var expected = File.ReadAllLines(Path.Combine(SigV4VectorCases.AwsCAuthDirectory("get-header-value-multiline"), "header-canonical-request.txt"))
            .Single(l => l.StartsWith("my-header1:", StringComparison.Ordinal));
        var actual = "my-header1:" + Build((ref Utf8Builder b) => CanonicalComponents.AppendHeaderValue(ref b, "value1\n  value2\n     value3"));
        Assert.Equal(expected, actual);
    }

    private delegate void BuildAction(ref Utf8Builder builder);

    private static string Build(BuildAction action)
    {
        var builder = new Utf8Builder(stackalloc byte[16]);
        try
        {
            action(ref builder);
            return System.Text.Encoding.UTF8.GetString(builder.Written);
        }
        finally
        {
            builder.Dispose();
        }
    }
}
