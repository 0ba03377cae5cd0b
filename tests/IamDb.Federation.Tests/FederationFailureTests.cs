namespace IamDb.Federation.Tests;

public sealed class FederationFailureTests
{
    [Theory]
    [InlineData(nameof(FederationFailureKind.InvalidIdentityToken), "InvalidIdentityToken")]
    [InlineData(nameof(FederationFailureKind.ExpiredToken), "ExpiredTokenException")]
    [InlineData(nameof(FederationFailureKind.RejectedClaim), "IDPRejectedClaim")]
    public void Each_refusal_maps_to_the_STS_error_AWS_answers_with(string kind, string code) =>
        Assert.Equal(code, new FederationFailure(Enum.Parse<FederationFailureKind>(kind), "why").StsErrorCode);
}
