using IamDb.Policy.Model;

namespace IamDb.Policy.Tests;

public class SmokeTests
{
    [Fact]
    public void PolicyDocument_Version2012_SupportsVariables() =>
        Assert.True(new PolicyDocument(PolicyDocument.Version2012, null, []).SupportsPolicyVariables);
}
