using IamDb.Aws.Errors;
using IamDb.Aws.Query;

namespace IamDb.Aws.Tests.Query;

public class QueryDecoderTests
{
    public static TheoryData<string, string[]> ValidBodies => new()
    {
        { "Action=GetCallerIdentity&Version=2011-06-15", ["Action=GetCallerIdentity", "Version=2011-06-15"] },
        { "UserName=J%C3%BCrgen", ["UserName=Jürgen"] },
        { "UserName=J\u00fcrgen", ["UserName=Jürgen"] },
        { "Path=%2Fa%2Fb%2F", ["Path=/a/b/"] },
        { "Text=a+b%2Bc", ["Text=a b+c"] },
        { "a+b=1", ["a b=1"] },
        { "Emoji=%F0%9F%98%80", ["Emoji=😀"] },
        { "k=1&k=2&j=3&k=4", ["k=1", "k=2", "j=3", "k=4"] },
        { "DbGroups=&x=", ["DbGroups=", "x="] },
        { "Flag", ["Flag="] },
        { "a=1&&b=2&", ["a=1", "b=2"] },
        { "=orphan&a=1", ["a=1"] },
        { "a=b=c", ["a=b=c"] },
        { "", [] },
    };

    [Theory]
    [MemberData(nameof(ValidBodies))]
    public void TryDecodeForm_ValidBody_KeepsPairsInOrder(string body, string[] expected)
    {
        Assert.True(QueryDecoder.TryDecodeForm(System.Text.Encoding.UTF8.GetBytes(body), out var parameters, out var error));
        Assert.Null(error);
        Assert.Equal(expected, parameters.Select(p => $"{p.Key}={p.Value}"));
    }

    [Theory]
    [InlineData("?Action=ListUsers&Version=2010-05-08", "ListUsers")]
    [InlineData("Action=ListUsers", "ListUsers")]
    [InlineData("Action=List%55sers", "ListUsers")]
    public void TryDecodeQueryString_LeadingQuestionMarkOptional_Decodes(string query, string expectedAction)
    {
        Assert.True(QueryDecoder.TryDecodeQueryString(query, out var parameters, out _));
        Assert.Equal(expectedAction, parameters.Action);
    }

    public static TheoryData<byte[], string> MalformedBodies => new()
    {
        { System.Text.Encoding.ASCII.GetBytes("a=%"), "Incomplete trailing escape" },
        { System.Text.Encoding.ASCII.GetBytes("a=%4"), "Incomplete trailing escape" },
        { System.Text.Encoding.ASCII.GetBytes("a%=1"), "Incomplete trailing escape" },
        { System.Text.Encoding.ASCII.GetBytes("a=%G1"), "Illegal hex characters" },
        { System.Text.Encoding.ASCII.GetBytes("a=%C3%28"), "not valid UTF-8" },
        { System.Text.Encoding.ASCII.GetBytes("a=%ED%A0%80"), "not valid UTF-8" },
        { [(byte)'a', (byte)'=', 0xC3, 0x28], "body is not valid UTF-8" },
        { [(byte)'a', (byte)'=', 0xFF], "body is not valid UTF-8" },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public void TryDecodeForm_MalformedBody_FailsWithMalformedQueryString(byte[] body, string expectedMessage)
    {
        Assert.False(QueryDecoder.TryDecodeForm(body, out var parameters, out var error));
        Assert.NotNull(error);
        Assert.Equal(AwsErrorCodes.MalformedQueryString, error.Code);
        Assert.Equal(400, error.HttpStatus);
        Assert.Contains(expectedMessage, error.Message);
        Assert.Empty(parameters);
    }

    [Fact]
    public void TryDecodeForm_AtParameterLimit_Succeeds()
    {
        var limits = new QueryDecodingLimits { MaxParameters = 3 };
        Assert.True(QueryDecoder.TryDecodeForm("a=1&b=2&c=3"u8, out var parameters, out _, limits));
        Assert.Equal(3, parameters.Count);
    }

    [Theory]
    [InlineData("a=1&b=2&c=3&d=4", "more than 3 parameters")]
    [InlineData("abcdefghi=1", "longer than 8 characters")]
    [InlineData("k=0123456789", "value of parameter k is longer than 9 characters")]
    [InlineData("k=%30%31%32%33%34%35%36%37%38%39", "value of parameter k is longer than 9 characters")]
    public void TryDecodeForm_OverLimit_FailsWithoutEchoingTheValue(string body, string expectedMessage)
    {
        var limits = new QueryDecodingLimits { MaxParameters = 3, MaxKeyLength = 8, MaxValueLength = 9 };
        Assert.False(QueryDecoder.TryDecodeForm(System.Text.Encoding.ASCII.GetBytes(body), out _, out var error, limits));
        Assert.Equal(AwsErrorCodes.MalformedQueryString, error!.Code);
        Assert.Contains(expectedMessage, error.Message);
        Assert.DoesNotContain("0123456789", error.Message);
    }

    [Fact]
    public void Limits_Default_MatchDocumentedValues()
    {
        Assert.Equal(1000, QueryDecodingLimits.Default.MaxParameters);
        Assert.Equal(256, QueryDecodingLimits.Default.MaxKeyLength);
        Assert.Equal(256 * 1024, QueryDecodingLimits.Default.MaxValueLength);
    }

    [Fact]
    public void QueryParameters_RepeatedKey_GetReturnsFirstAndGetAllReturnsAllInOrder()
    {
        Assert.True(QueryDecoder.TryDecodeForm("k=1&x=9&k=2"u8, out var parameters, out _));
        Assert.Equal("1", parameters.Get("k"));
        Assert.Equal(["1", "2"], parameters.GetAll("k"));
        Assert.Empty(parameters.GetAll("missing"));
        Assert.Null(parameters.Get("missing"));
        Assert.False(parameters.Contains("K"));
    }

    [Theory]
    [InlineData("Version=2010-05-08")]
    [InlineData("Action=&Version=2010-05-08")]
    public void TryGetAction_MissingOrEmpty_ReturnsMissingAction(string body)
    {
        Assert.True(QueryDecoder.TryDecodeForm(System.Text.Encoding.ASCII.GetBytes(body), out var parameters, out _));
        Assert.False(parameters.TryGetAction(out var action, out var error));
        Assert.Null(action);
        Assert.Equal(AwsErrorCodes.MissingAction, error.Code);
        Assert.Equal(400, error.HttpStatus);
    }

    [Fact]
    public void TryGetAction_Present_ReturnsActionAndVersion()
    {
        Assert.True(QueryDecoder.TryDecodeForm("Action=CreateUser&Version=2010-05-08"u8, out var parameters, out _));
        Assert.True(parameters.TryGetAction(out var action, out _));
        Assert.Equal("CreateUser", action);
        Assert.Equal("2010-05-08", parameters.Version);
    }

    [Theory]
    [InlineData("Frobnicate", "2010-05-08", "Could not find operation Frobnicate for version 2010-05-08")]
    [InlineData("Frobnicate", null, "Could not find operation Frobnicate for version NO_VERSION_SPECIFIED")]
    public void InvalidAction_Always_UsesAwsWording(string action, string? version, string expected)
    {
        var error = QueryErrors.InvalidAction(action, version);
        Assert.Equal(AwsErrorCodes.InvalidAction, error.Code);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal(expected, error.Message);
    }
}
