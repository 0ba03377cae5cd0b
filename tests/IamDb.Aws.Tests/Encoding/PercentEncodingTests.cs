using IamDb.Aws.Encoding;

namespace IamDb.Aws.Tests.Encoding;

public class PercentEncodingTests
{
    [Theory]
    [InlineData("abcXYZ019-_.~", "abcXYZ019-_.~")]
    [InlineData("a b+c/d", "a%20b%2Bc%2Fd")]
    [InlineData("é", "%C3%A9")]
    [InlineData("😀", "%F0%9F%98%80")]
    public void Encode_AnyText_UsesRfc3986WithUppercaseHex(string input, string expected) =>
        Assert.Equal(expected, PercentEncoding.Encode(input));

    [Fact]
    public void Encode_KeepSlash_LeavesSlashes() => Assert.Equal("/a%20b/c", PercentEncoding.Encode("/a b/c", keepSlash: true));

    [Theory]
    [InlineData("a%20b", false, "a b")]
    [InlineData("a+b", false, "a+b")]
    [InlineData("a+b", true, "a b")]
    [InlineData("%C3%A9%c3%a9", false, "éé")]
    public void TryDecode_ValidEscapes_Decodes(string input, bool plus, string expected)
    {
        Assert.True(PercentEncoding.TryDecode(input, plus, out var decoded, out var error));
        Assert.Null(error);
        Assert.Equal(expected, decoded);
    }

    [Theory]
    [InlineData("abc%2", "Incomplete trailing escape")]
    [InlineData("abc%", "Incomplete trailing escape")]
    [InlineData("a%zzb", "Illegal hex characters")]
    [InlineData("%C3%28", "not valid UTF-8")]
    public void TryDecode_BadInput_FailsWithMessage(string input, string expected)
    {
        Assert.False(PercentEncoding.TryDecode(input, false, out _, out var error));
        Assert.Contains(expected, error);
    }
}
