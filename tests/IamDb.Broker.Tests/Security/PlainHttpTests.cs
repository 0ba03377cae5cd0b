using IamDb.Broker.Hosting;
using IamDb.Broker.Tests.Support;

namespace IamDb.Broker.Tests.Security;

/// <summary>Plain HTTP is only served on loopback unless the operator explicitly allows it.</summary>
public sealed class PlainHttpTests
{
    [Theory]
    [InlineData("http://0.0.0.0:0")]
    [InlineData("http://[::]:0")]
    public async Task PlainHttpOnANonLoopbackAddress_IsRefusedAtStart(string url)
    {
        var exception = await Assert.ThrowsAsync<BrokerOptionsException>(() => TestBroker.StartAsync(o =>
        {
            o.Urls.Clear();
            o.Urls.Add(url);
        }));

        Assert.Contains("--allow-plain-http", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://0.0.0.0:8080")]
    [InlineData("http://[::]:8080")]
    [InlineData("http://192.0.2.10:8080")]
    public void PlainHttpOnANonLoopbackAddress_WithAllowPlainHttp_IsAccepted(string url)
    {
        var options = new BrokerOptions { DataDirectory = "/tmp/unused", AllowPlainHttp = true };
        options.Urls.Clear();
        options.Urls.Add(url);

        options.Validate();

        Assert.True(BrokerOptionsValidator.IsPlainHttpOffLoopback(url));
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080")]
    [InlineData("http://127.0.0.2:8080")]
    [InlineData("http://[::1]:8080")]
    [InlineData("http://localhost:8080")]
    [InlineData("https://0.0.0.0:8443")]
    public void LoopbackOrHttps_IsNotPlainHttpOffLoopback(string url) =>
        Assert.False(BrokerOptionsValidator.IsPlainHttpOffLoopback(url));

    [Fact]
    public void ConfigFile_AllowPlainHttp_IsRead()
    {
        var options = BrokerConfigFile.Parse("urls = [\"http://0.0.0.0:8080\"]\nallow_plain_http = true\n", "/tmp");

        Assert.True(options.AllowPlainHttp);
        options.Validate();
    }

    [Fact]
    public void ConfigFile_WithoutAllowPlainHttp_IsRefusedNamingTheFlag()
    {
        var options = BrokerConfigFile.Parse("urls = [\"http://0.0.0.0:8080\"]\n", "/tmp");

        var exception = Assert.Throws<BrokerOptionsException>(options.Validate);
        Assert.Contains("allow_plain_http = true", exception.Message, StringComparison.Ordinal);
    }
}
