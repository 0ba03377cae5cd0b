using IamDb.Policy.Compilation;

namespace IamDb.Policy.Tests.Compilation;

public class ConditionOperatorParsingTests
{
    [Theory]
    [InlineData("StringEquals", "StringEquals", false, false, "None")]
    [InlineData("ForAnyValue:StringNotLikeIfExists", "StringLike", true, true, "ForAnyValue")]
    [InlineData("ForAllValues:NumericLessThan", "Numeric", false, false, "ForAllValues")]
    [InlineData("NotIpAddressIfExists", "IpAddress", true, true, "None")]
    [InlineData("ArnNotEquals", "Arn", true, false, "None")]
    [InlineData("DateGreaterThanEquals", "Date", false, false, "None")]
    [InlineData("Null", "Null", false, false, "None")]
    public void TryParse_KnownOperator_SplitsItsParts(string text, string family, bool negated, bool ifExists, string qualifier)
    {
        Assert.True(ConditionOperator.TryParse(text, out var op, out var error));
        Assert.Null(error);
        Assert.Equal((family, negated, ifExists, qualifier), (op.Family.ToString(), op.Negated, op.IfExists, op.Qualifier.ToString()));
    }

    [Theory]
    [InlineData("StringEqualz", "unknown condition operator `StringEqualz`")]
    [InlineData("ForSomeValues:StringEquals", "unknown condition operator `ForSomeValues:StringEquals`")]
    [InlineData("NullIfExists", "condition operator `NullIfExists`: Null takes neither IfExists nor a set qualifier")]
    public void TryParse_InvalidOperator_ExplainsWhy(string text, string message)
    {
        Assert.False(ConditionOperator.TryParse(text, out _, out var error));
        Assert.Equal(message, error);
    }

    [Theory]
    [InlineData("2024-01-01T00:00:00Z", 1704067200)]
    [InlineData("2024-01-01", 1704067200)]
    [InlineData("1704067200", 1704067200)]
    [InlineData("2024-01-01T02:00:00+02:00", 1704067200)]
    public void TryParseDate_IsoAndEpoch_AreTheSameInstant(string text, long epoch)
    {
        Assert.True(ValueParsing.TryParseDate(text, out var date));
        Assert.Equal(epoch, date.ToUnixTimeSeconds());
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.255.255.255", true)]
    [InlineData("10.0.0.0/8", "11.0.0.0", false)]
    [InlineData("192.168.1.1/32", "192.168.1.1", true)]
    [InlineData("::/0", "2001:db8::1", true)]
    [InlineData("2001:db8::1", "2001:db8::1", true)]
    [InlineData("2001:db8::1", "2001:db8::2", false)]
    public void Cidr_Contains_ComparesPrefixBits(string cidr, string address, bool expected)
    {
        Assert.True(ValueParsing.TryParseCidr(cidr, out var block));
        Assert.True(ValueParsing.TryParseIp(address, out var ip));
        Assert.Equal(expected, block.Contains(ip));
    }
}
