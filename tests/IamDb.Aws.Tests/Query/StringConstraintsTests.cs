using IamDb.Aws.Query;

namespace IamDb.Aws.Tests.Query;

public class StringConstraintsTests
{
    [Theory]
    [InlineData(@"[\w+=,.@-]+", "[a-zA-Z0-9_+=,.@-]+")]
    [InlineData(@"\w+\d", "[a-zA-Z0-9_]+[0-9]")]
    [InlineData(@"[\d\s]", @"[0-9\s]")]
    [InlineData(@"\\w", @"\\w")]
    [InlineData(@"[\u0021-\u007E]+", @"[\u0021-\u007E]+")]
    public void ToAsciiClasses_JavaShorthands_BecomeAsciiRanges(string pattern, string expected) =>
        Assert.Equal(expected, StringConstraints.ToAsciiClasses(pattern));

    [Theory]
    [InlineData("alice", true)]
    [InlineData("a.b@c+d=e,f-g_h", true)]
    [InlineData("Jürgen", false)]
    [InlineData("a b", false)]
    [InlineData("٣", false)]
    [InlineData("alice\n", false)]
    public void MatchesPattern_IamUserName_IsAsciiOnlyAndWholeValue(string value, bool expected) =>
        Assert.Equal(expected, new StringConstraints(pattern: @"[\w+=,.@-]+").MatchesPattern(value));

    [Fact]
    public void Constructor_MaxBelowMin_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new StringConstraints(minLength: 5, maxLength: 4));
}
