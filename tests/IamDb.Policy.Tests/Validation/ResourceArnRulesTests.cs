using IamDb.Policy.Validation;

namespace IamDb.Policy.Tests.Validation;

public class ResourceArnRulesTests
{
    [Theory]
    [InlineData("*")]
    [InlineData("arn:aws:redshift:us-east-1:123456789012:dbuser:c/u")]
    [InlineData("arn:aws:redshift:*")]
    [InlineData("arn:aws:redshift:*:*")]
    [InlineData("arn:*:s3:::bucket")]
    [InlineData("arn:aws-us-gov:iam::123456789012:role/x")]
    [InlineData("arn:aws:s3:::b/a:b:c")]
    [InlineData("arn:a?s:s3:::b")]
    public void Check_AcceptedResource_ReturnsNull(string resource) => Assert.Null(ResourceArnRules.Check(resource));

    [Theory]
    [InlineData("bucket", "Resource bucket must be in ARN format or \"*\".")]
    [InlineData("**", "Resource ** must be in ARN format or \"*\".")]
    [InlineData("arn:aws:s3", "Resource arn:aws:s3 must be in ARN format or \"*\".")]
    [InlineData("arn:aws:s3:::", null)]
    [InlineData("arn:aws:*:::b", "Resource vendor must be fully qualified and cannot contain regexes.")]
    [InlineData("arn:aws:s?:::b", "Resource vendor must be fully qualified and cannot contain regexes.")]
    [InlineData("arn:aws:*", "Resource vendor must be fully qualified and cannot contain regexes.")]
    [InlineData("arn:awz:s3:::b", "Partition \"awz\" is not valid for resource \"arn:awz:s3:::b\".")]
    public void Check_Resource_ReturnsIamMessage(string resource, string? message) =>
        Assert.Equal(message, ResourceArnRules.Check(resource)?.Message);
}
