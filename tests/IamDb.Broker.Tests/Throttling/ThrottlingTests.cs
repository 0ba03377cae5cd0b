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

    [Fact]
    public void FailedAuthenticationThrottle_OnlyFailuresSpendTheBudget_AndItRefills()
    {
        var time = new FakeTimeProvider();
        var throttle = new FailedAuthenticationThrottle(ratePerSecond: 1, burst: 3, time);
        var attacker = System.Net.IPAddress.Parse("192.0.2.1");
        var other = System.Net.IPAddress.Parse("192.0.2.2");

        Assert.False(throttle.IsThrottled(attacker, attacker.ToString(), out _));
        for (var i = 0; i < 3; i++)
        {
            throttle.RecordFailure(attacker, attacker.ToString());
        }

        Assert.True(throttle.IsThrottled(attacker, attacker.ToString(), out var first));
        Assert.True(first);
        Assert.True(throttle.IsThrottled(attacker, attacker.ToString(), out var second));
        Assert.False(second); // one announcement per episode
        Assert.False(throttle.IsThrottled(other, other.ToString(), out _));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(throttle.IsThrottled(attacker, attacker.ToString(), out _));
    }

    [Fact]
    public void FailedAuthenticationThrottle_CountsAnIPv6ClientPerSlash64()
    {
        var throttle = new FailedAuthenticationThrottle(ratePerSecond: 0.001, burst: 2, new FakeTimeProvider());

        throttle.RecordFailure(System.Net.IPAddress.Parse("2001:db8:1:2::10"), "2001:db8:1:2::10");
        throttle.RecordFailure(System.Net.IPAddress.Parse("2001:db8:1:2::11"), "2001:db8:1:2::11");

        Assert.True(throttle.IsThrottled(System.Net.IPAddress.Parse("2001:db8:1:2:ffff::1"), "2001:db8:1:2:ffff::1", out _));
        Assert.False(throttle.IsThrottled(System.Net.IPAddress.Parse("2001:db8:1:3::10"), "2001:db8:1:3::10", out _));
    }
}
