using IamDb.Policy.Linting;

namespace IamDb.Policy.Tests.Linting;

public class WildcardPatternTests
{
    [Theory]
    [InlineData("*", "", true)]
    [InlineData("iam:*AccessKey*", "iam:ListAccessKeys", true)]
    [InlineData("iam:Get?ser", "iam:GetUser", true)]
    [InlineData("iam:Get?ser", "iam:GetUUser", false)]
    [InlineData("a*b*c", "aXbYbZc", true)]
    [InlineData("a*b*c", "aXbYbZ", false)]
    [InlineData("arn:aws:redshift:*", "arn:aws:redshift:us-east-1:1:dbuser:c/u", true)]
    [InlineData("abc", "ab", false)]
    [InlineData("", "", true)]
    public void Matches_CaseSensitive_FollowsGlobRules(string pattern, string value, bool expected) =>
        Assert.Equal(expected, WildcardPattern.Matches(pattern, value, ignoreCase: false));

    [Fact]
    public void Matches_IgnoreCase_ComparesActionsCaseInsensitively()
    {
        Assert.True(WildcardPattern.Matches("IAM:listaccesskeys", "iam:ListAccessKeys", ignoreCase: true));
        Assert.False(WildcardPattern.Matches("IAM:listaccesskeys", "iam:ListAccessKeys", ignoreCase: false));
    }
}
