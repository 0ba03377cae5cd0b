using System.Net;
using IamDb.Broker.Tests.Support;
using IamDb.Broker.Throttling;
using Microsoft.Extensions.Time.Testing;

namespace IamDb.Broker.Tests.Throttling;

public sealed class ThrottlingTests
{
    [Fact]
    public async Task Request_OverTinyLimit_IsThrottling400RateExceeded()
    {
        await using var broker = await TestBroker.StartAsync(o =>
        {
            o.ThrottleBurst = 2;
            o.ThrottleRatePerSecond = 0.001;
        });

        var first = await broker.CallAsync("sts", "GetCallerIdentity");
        var second = await broker.CallAsync("sts", "GetCallerIdentity");
        var third = await broker.CallAsync("sts", "GetCallerIdentity");

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.Equal(HttpStatusCode.BadRequest, third.Status);
        Assert.Equal("Throttling", third.ErrorCode);
        Assert.Equal("Rate exceeded", third.ErrorMessage);
    }

    [Fact]
    public void TryAcquire_AfterRefillTime_AllowsAgain()
    {
        var time = new FakeTimeProvider();
        var throttle = new TokenBucketThrottle(1, 1, time);

        Assert.True(throttle.TryAcquire("111111111111", "sts:GetCallerIdentity"));
        Assert.False(throttle.TryAcquire("111111111111", "sts:GetCallerIdentity"));
        Assert.True(throttle.TryAcquire("111111111111", "sts:AssumeRole"));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(throttle.TryAcquire("111111111111", "sts:GetCallerIdentity"));
    }
}
