using IamDb.Policy.Authorization;
using static IamDb.Policy.Tests.Evaluation.TestPolicies;

namespace IamDb.Policy.Tests.Compilation;

public class WildcardTests
{
    [Theory]
    [InlineData("iam:ListAccessKeys", "IAM:listaccesskeys", true)]
    [InlineData("IAM:listaccesskeys", "iam:ListAccessKeys", true)]
    [InlineData("iam:*AccessKey*", "iam:ListAccessKeys", true)]
    [InlineData("iam:*AccessKey*", "iam:CreateAccessKey", true)]
    [InlineData("iam:*AccessKey*", "iam:ListUsers", false)]
    [InlineData("s3:Get*", "s3:GetObject", true)]
    [InlineData("s3:Get*", "s3:PutObject", false)]
    [InlineData("s3:Get*", "s3x:GetObject", false)]
    [InlineData("s3:?etObject", "s3:GetObject", true)]
    [InlineData("s3:?etObject", "s3:GGetObject", false)]
    [InlineData("*", "redshift:GetClusterCredentials", true)]
    [InlineData("*:Get*", "redshift:GetClusterCredentials", true)]
    [InlineData("red*:Get*", "redshift:GetClusterCredentials", true)]
    [InlineData("redshift:*", "redshift-serverless:GetCredentials", false)]
    [InlineData("redshift*:*", "redshift-serverless:GetCredentials", true)]
    public void Action_Patterns_AreCaseInsensitiveGlobs(string pattern, string action, bool expected)
    {
        var set = Identities(Identity(Allow(pattern)));
        Assert.Equal(expected ? Decision.Allow : Decision.ImplicitDeny, Decide(set, Alice, action, "*"));
    }

    [Theory]
    [InlineData("arn:aws:s3:::B/*/test/*", "arn:aws:s3:::B//test/object.jpg", true)]
    [InlineData("arn:aws:s3:::B/*/test/*", "arn:aws:s3:::B/1/2/test/3/object.jpg", true)]
    [InlineData("arn:aws:s3:::B/*/test/*", "arn:aws:s3:::B/1/2/prod/3/object.jpg", false)]
    [InlineData("arn:aws:s3:::MyBucket/*", "arn:aws:s3:::mybucket/x", false)]
    [InlineData("arn:aws:s3:::MyBucket/*", "arn:aws:s3:::MyBucket/x", true)]
    [InlineData("arn:aws:redshift:us-west-2:123456789012:dbuser:*/temp_*", "arn:aws:redshift:us-west-2:123456789012:dbuser:examplecluster/temp_creds_user", true)]
    [InlineData("arn:aws:redshift:us-west-2:123456789012:dbuser:*/temp_*", "arn:aws:redshift:us-west-2:123456789012:dbuser:examplecluster/admin", false)]
    [InlineData("arn:aws:redshift:*:*:dbname:*/*", "arn:aws:redshift:eu-west-1:111122223333:dbname:c1/dev", true)]
    [InlineData("arn:aws:ec2:*", "arn:aws:ec2:us-east-1:123456789012:instance/i-1", true)]
    [InlineData("arn:aws:iam::123456789012:user/?ob", "arn:aws:iam::123456789012:user/bob", true)]
    [InlineData("arn:aws:iam::123456789012:user/?ob", "arn:aws:iam::123456789012:user/bbob", false)]
    [InlineData("*", "anything at all", true)]
    public void Resource_Patterns_AreCaseSensitiveAndStarCrossesSeparators(string pattern, string resource, bool expected)
    {
        var set = Identities(Identity(Allow("s3:GetObject", pattern)));
        Assert.Equal(expected ? Decision.Allow : Decision.ImplicitDeny, Decide(set, Alice, "s3:GetObject", resource));
    }

    [Theory]
    [InlineData("a*b*c", "aXXbYYc", true)]
    [InlineData("a*b*c", "aXXbYY", false)]
    [InlineData("*a", "bbba", true)]
    [InlineData("**", "", true)]
    [InlineData("a?", "a", false)]
    [InlineData("", "", true)]
    [InlineData("", "x", false)]
    public void Match_Glob_EdgeCases(string pattern, string input, bool expected)
    {
        var encoded = pattern.Replace('*', Policy.Compilation.Wildcard.Star).Replace('?', Policy.Compilation.Wildcard.One);
        Assert.Equal(expected, Policy.Compilation.Wildcard.Match(encoded, input));
    }
}
