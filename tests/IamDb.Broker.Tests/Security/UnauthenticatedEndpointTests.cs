using IamDb.Broker.Tests.Support;

namespace IamDb.Broker.Tests.Security;

/// <summary>Endpoints that answer without authentication reveal nothing about the account.</summary>
public sealed class UnauthenticatedEndpointTests
{
    [Fact]
    public async Task Health_DoesNotRevealTheAccountId()
    {
        await using var broker = await TestBroker.StartAsync();

        using var response = await broker.GetAsync("/health");
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.True(response.IsSuccessStatusCode, text);
        Assert.Contains("\"status\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain(broker.AccountId, text, StringComparison.Ordinal);
        Assert.DoesNotContain("account", text, StringComparison.OrdinalIgnoreCase);
    }
}
