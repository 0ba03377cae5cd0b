using IamDb.Aws.Errors;
using IamDb.Aws.Query;

namespace IamDb.Aws.Tests.Query;

public class QueryParameterReaderTests
{
    internal static QueryParameterReader CreateSut(string body, QueryValidationStyle style = QueryValidationStyle.ValidationError)
    {
        Assert.True(QueryDecoder.TryDecodeForm(System.Text.Encoding.UTF8.GetBytes(body), out var parameters, out var error), error?.Message);
        return new QueryParameterReader(parameters, style);
    }

    private static readonly StringConstraints UserName = new(1, 64, @"[\w+=,.@-]+");

    [Fact]
    public void RequiredString_Present_ReturnsValueWithoutErrors()
    {
        var sut = CreateSut("UserName=alice");
        Assert.Equal("alice", sut.RequiredString("UserName", UserName));
        Assert.False(sut.TryGetError(out _));
        Assert.False(sut.HasErrors);
    }

    [Fact]
    public void RequiredString_RepeatedKey_FirstOccurrenceWins()
    {
        var sut = CreateSut("UserName=alice&UserName=bob");
        Assert.Equal("alice", sut.RequiredString("UserName"));
    }

    [Fact]
    public void RequiredString_MissingInInvalidParameterValueStyle_ReturnsMissingParameter()
    {
        var sut = CreateSut("Other=1", QueryValidationStyle.InvalidParameterValue);
        Assert.Equal(string.Empty, sut.RequiredString("DbUser"));
        Assert.True(sut.TryGetError(out var error));
        Assert.Equal(new AwsError(AwsErrorCodes.MissingParameter, "The request must contain the parameter DbUser", 400), error);
    }

    [Fact]
    public void RequiredString_MissingInValidationErrorStyle_ReportsNullMember()
    {
        var sut = CreateSut("Other=1");
        sut.RequiredString("UserName", UserName);
        Assert.True(sut.TryGetError(out var error));
        Assert.Equal(AwsErrorCodes.ValidationError, error.Code);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal(
            "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null",
            error.Message);
    }

    [Fact]
    public void RequiredString_SeveralProblems_AggregatesInValidationErrorStyle()
    {
        var sut = CreateSut("UserName=" + new string('a', 65) + "%21");
        sut.RequiredString("UserName", UserName);
        sut.RequiredString("PolicyArn");
        Assert.True(sut.TryGetError(out var error));
        Assert.Equal(
            "3 validation errors detected: "
            + $"Value '{new string('a', 65)}!' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64; "
            + $"Value '{new string('a', 65)}!' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+; "
            + "Value null at 'policyArn' failed to satisfy constraint: Member must not be null",
            error.Message);
    }

    [Fact]
    public void RequiredString_SeveralProblemsInInvalidParameterValueStyle_ReportsFirstOnly()
    {
        var sut = CreateSut("DbUser=", QueryValidationStyle.InvalidParameterValue);
        sut.RequiredString("DbUser", new StringConstraints(minLength: 1));
        sut.RequiredString("ClusterIdentifier");
        Assert.True(sut.TryGetError(out var error));
        Assert.Equal(AwsErrorCodes.InvalidParameterValue, error.Code);
        Assert.Equal("Invalid value '' for parameter DbUser: Member must have length greater than or equal to 1", error.Message);
    }

    [Theory]
    [InlineData(nameof(QueryValidationStyle.ValidationError), "Value at 'password' failed")]
    [InlineData(nameof(QueryValidationStyle.InvalidParameterValue), "Invalid value for parameter Password")]
    public void OptionalString_SensitiveValueInvalid_NeverEchoesIt(string style, string expected)
    {
        var sut = CreateSut("Password=hunter2-secret", Enum.Parse<QueryValidationStyle>(style));
        sut.OptionalString("Password", new StringConstraints(maxLength: 3, sensitive: true));
        Assert.True(sut.TryGetError(out var error));
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain("hunter2", error.Message);
    }

    [Fact]
    public void OptionalString_HugeInvalidValue_IsTruncatedInMessage()
    {
        var sut = CreateSut("Description=" + new string('x', 5000));
        sut.OptionalString("Description", new StringConstraints(maxLength: 1000));
        Assert.True(sut.TryGetError(out var error));
        Assert.True(error.Message.Length < 600, error.Message.Length.ToString());
        Assert.Contains("xxx...'", error.Message);
    }

    [Fact]
    public void OptionalString_Absent_ReturnsNullWithoutError()
    {
        var sut = CreateSut("");
        Assert.Null(sut.OptionalString("Path"));
        Assert.False(sut.HasErrors);
    }

    [Theory]
    [InlineData("DurationSeconds=900", 900)]
    [InlineData("DurationSeconds=3600", 3600)]
    [InlineData("DurationSeconds=%2B1000", 1000)]
    [InlineData("", null)]
    public void OptionalInt_ValidOrAbsent_ReturnsValue(string body, int? expected)
    {
        var sut = CreateSut(body);
        Assert.Equal(expected, sut.OptionalInt("DurationSeconds", 900, 3600));
        Assert.False(sut.HasErrors);
    }

    [Theory]
    [InlineData("DurationSeconds=899", "Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900")]
    [InlineData("DurationSeconds=3601", "Value '3601' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 3600")]
    [InlineData("DurationSeconds=abc", "Value 'abc' at 'durationSeconds' failed to satisfy constraint: Member must be an integer")]
    [InlineData("DurationSeconds=", "Value '' at 'durationSeconds' failed to satisfy constraint: Member must be an integer")]
    [InlineData("DurationSeconds=1.5", "Member must be an integer")]
    [InlineData("DurationSeconds=99999999999", "Member must be an integer")]
    [InlineData("DurationSeconds=%20900", "Member must be an integer")]
    public void OptionalInt_BadValue_ReportsValidationError(string body, string expected)
    {
        var sut = CreateSut(body);
        Assert.Null(sut.OptionalInt("DurationSeconds", 900, 3600));
        Assert.True(sut.TryGetError(out var error));
        Assert.Equal(AwsErrorCodes.ValidationError, error.Code);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void OptionalInt_OutOfRangeInInvalidParameterValueStyle_ReportsInvalidParameterValue()
    {
        var sut = CreateSut("DurationSeconds=60", QueryValidationStyle.InvalidParameterValue);
        sut.OptionalInt("DurationSeconds", 900, 3600);
        Assert.True(sut.TryGetError(out var error));
        Assert.Equal(
            new AwsError(
                AwsErrorCodes.InvalidParameterValue,
                "Invalid value '60' for parameter DurationSeconds: Member must have value greater than or equal to 900",
                400),
            error);
    }

    [Fact]
    public void RequiredInt_Missing_ReportsMissing()
    {
        var sut = CreateSut("", QueryValidationStyle.InvalidParameterValue);
        Assert.Equal(0, sut.RequiredInt("MaxItems", 1, 1000));
        Assert.True(sut.TryGetError(out var error));
        Assert.Equal(AwsErrorCodes.MissingParameter, error.Code);
    }

    [Theory]
    [InlineData("AutoCreate=true", true)]
    [InlineData("AutoCreate=false", false)]
    [InlineData("AutoCreate=True", true)]
    [InlineData("AutoCreate=FALSE", false)]
    [InlineData("", null)]
    public void OptionalBool_TrueFalseAnyCase_Parses(string body, bool? expected)
    {
        var sut = CreateSut(body);
        Assert.Equal(expected, sut.OptionalBool("AutoCreate"));
        Assert.False(sut.HasErrors);
    }

    [Theory]
    [InlineData("AutoCreate=1")]
    [InlineData("AutoCreate=yes")]
    [InlineData("AutoCreate=")]
    [InlineData("AutoCreate=true%20")]
    public void OptionalBool_AnythingElse_IsRejected(string body)
    {
        var sut = CreateSut(body, QueryValidationStyle.InvalidParameterValue);
        Assert.Null(sut.OptionalBool("AutoCreate"));
        Assert.True(sut.TryGetError(out var error));
        Assert.Equal(AwsErrorCodes.InvalidParameterValue, error.Code);
        Assert.Contains("Member must be true or false", error.Message);
    }

    [Theory]
    [InlineData("2026-11-24T02:39:32Z", "2026-11-24T02:39:32.0000000+00:00")]
    [InlineData("2026-11-24T02:39:32.123456Z", "2026-11-24T02:39:32.1234560+00:00")]
    [InlineData("2026-11-24T04:39:32%2B02:00", "2026-11-24T02:39:32.0000000+00:00")]
    [InlineData("2026-11-24T02:39:32", "2026-11-24T02:39:32.0000000+00:00")]
    public void OptionalTimestamp_Iso8601_ParsesToUtc(string text, string expectedRoundTrip)
    {
        var sut = CreateSut("At=" + text);
        var value = sut.OptionalTimestamp("At");
        Assert.NotNull(value);
        Assert.Equal(expectedRoundTrip, value.Value.ToString("O"));
        Assert.Equal(TimeSpan.Zero, value.Value.Offset);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("11/24/2026")]
    [InlineData("2026-11-24")]
    [InlineData("1764000000")]
    public void OptionalTimestamp_NotIso8601_IsRejected(string text)
    {
        var sut = CreateSut("At=" + text);
        Assert.Null(sut.OptionalTimestamp("At"));
        Assert.True(sut.TryGetError(out var error));
        Assert.Contains("Member must be an ISO-8601 timestamp", error.Message);
    }

    [Fact]
    public void ReportInvalid_HandlerSpecificCheck_JoinsOtherProblems()
    {
        var sut = CreateSut("DbUser=select");
        var user = sut.RequiredString("DbUser");
        sut.ReportInvalid("DbUser", user, "Member must not be a reserved word");
        Assert.True(sut.TryGetError(out var error));
        Assert.Equal(
            "1 validation error detected: Value 'select' at 'dbUser' failed to satisfy constraint: Member must not be a reserved word",
            error.Message);
    }

    [Fact]
    public void Contains_PresentButEmpty_IsTrue()
    {
        var sut = CreateSut("Marker=");
        Assert.True(sut.Contains("Marker"));
        Assert.False(sut.Contains("MaxItems"));
    }
}
