namespace IamDb.Policy.Tests;

public class SmokeTests
{
    [Fact]
    public void Assembly_Loads() => Assert.Equal("IamDb.Policy", typeof(IamDb.Policy.Placeholder).Assembly.GetName().Name);
}
