using IamDb.Aws.Errors;
using IamDb.Aws.Query;
using static IamDb.Aws.Tests.Query.QueryParameterReaderTests;

namespace IamDb.Aws.Tests.Query;

public class QueryParameterReaderListTests
{
    private sealed record Tag(string Key, string? Value);

    private static Tag ReadTag(QueryParameterReader item) => new(item.RequiredString("Key"), item.OptionalString("Value"));

    public static TheoryData<string, string, string[]?> StringLists => new()
    {
        // Redshift: named members, empty list, absent.
        { "DbGroups.DbGroup.1=a&DbGroups.DbGroup.2=b", "DbGroup", ["a", "b"] },
        { "DbGroups=", "DbGroup", [] },
        { "DbUser=x", "DbGroup", null },
        { "DbGroups=&DbGroups.DbGroup.1=a", "DbGroup", ["a"] },
        // IAM/STS: .member.N
        { "DbGroups.member.1=a&DbGroups.member.2=b", "member", ["a", "b"] },
        // Order by index, not by wire order.
        { "DbGroups.DbGroup.2=b&DbGroups.DbGroup.1=a", "DbGroup", ["a", "b"] },
        // Gaps are closed; 10 sorts after 9 numerically.
        { "DbGroups.DbGroup.1=a&DbGroups.DbGroup.3=c&DbGroups.DbGroup.10=j&DbGroups.DbGroup.9=i", "DbGroup", ["a", "c", "i", "j"] },
        // A repeated index keeps its first occurrence.
        { "DbGroups.DbGroup.1=a&DbGroups.DbGroup.1=z", "DbGroup", ["a"] },
        // Another member name is a different parameter.
        { "DbGroups.member.1=a", "DbGroup", null },
        // Empty items are items.
        { "DbGroups.DbGroup.1=", "DbGroup", [""] },
    };

    [Theory]
    [MemberData(nameof(StringLists))]
    public void OptionalStringList_AnyConvention_ReturnsItemsInIndexOrder(string body, string memberName, string[]? expected)
    {
        var sut = CreateSut(body, QueryValidationStyle.InvalidParameterValue);
        var list = sut.OptionalStringList("DbGroups", memberName);
        Assert.False(sut.TryGetError(out var error), error?.Message);
        if (expected is null)
        {
            Assert.Null(list);
        }
        else
        {
            Assert.NotNull(list);
            Assert.Equal(expected, list);
        }
    }

    [Theory]
    [InlineData("DbGroups.DbGroup.0=a", "DbGroups.DbGroup.0")]
    [InlineData("DbGroups.DbGroup.01=a", "DbGroups.DbGroup.01")]
    [InlineData("DbGroups.DbGroup.x=a", "DbGroups.DbGroup.x")]
    [InlineData("DbGroups.DbGroup.-1=a", "DbGroups.DbGroup.-1")]
    [InlineData("DbGroups.DbGroup.=a", "DbGroups.DbGroup.")]
    [InlineData("DbGroups.DbGroup.1.Name=a", "DbGroups.DbGroup.1.Name")]
    [InlineData("DbGroups.DbGroup.1234567890=a", "DbGroups.DbGroup.1234567890")]
    public void OptionalStringList_MalformedIndex_IsReported(string body, string expectedName)
    {
        var sut = CreateSut(body, QueryValidationStyle.InvalidParameterValue);
        var list = sut.OptionalStringList("DbGroups", "DbGroup");
        Assert.NotNull(list);
        Assert.Empty(list);
        Assert.True(sut.TryGetError(out var error));
        Assert.Equal(AwsErrorCodes.InvalidParameterValue, error.Code);
        Assert.Contains($"parameter {expectedName}:", error.Message);
    }

    [Fact]
    public void OptionalStringList_MarkerWithValue_IsReported()
    {
        var sut = CreateSut("DbGroups=admins", QueryValidationStyle.InvalidParameterValue);
        sut.OptionalStringList("DbGroups", "DbGroup");
        Assert.True(sut.TryGetError(out var error));
        Assert.Equal(
            "Invalid value 'admins' for parameter DbGroups: Member must be a list, sent as DbGroups.DbGroup.N",
            error.Message);
    }

    [Fact]
    public void OptionalStringList_ItemConstraints_ReportCoralItemPath()
    {
        var sut = CreateSut("ActionNames.member.1=iam:Get&ActionNames.member.2=" + new string('a', 8));
        sut.OptionalStringList("ActionNames", itemConstraints: new StringConstraints(maxLength: 7));
        Assert.True(sut.TryGetError(out var error));
        Assert.Equal(
            "1 validation error detected: Value 'aaaaaaaa' at 'actionNames.2.member' failed to satisfy constraint: "
            + "Member must have length less than or equal to 7",
            error.Message);
    }

    [Theory]
    [InlineData("ActionNames=", "Value '[]' at 'actionNames' failed to satisfy constraint: Member must have length greater than or equal to 1")]
    [InlineData("ActionNames.member.1=a&ActionNames.member.2=b&ActionNames.member.3=c", "Value '[a, b, c]' at 'actionNames' failed to satisfy constraint: Member must have length less than or equal to 2")]
    public void OptionalStringList_CountOutOfRange_IsReported(string body, string expected)
    {
        var sut = CreateSut(body);
        sut.OptionalStringList("ActionNames", minItems: 1, maxItems: 2);
        Assert.True(sut.TryGetError(out var error));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void RequiredStringList_Absent_ReportsMissing()
    {
        var sut = CreateSut("", QueryValidationStyle.InvalidParameterValue);
        Assert.Empty(sut.RequiredStringList("ActionNames"));
        Assert.True(sut.TryGetError(out var error));
        Assert.Equal("The request must contain the parameter ActionNames", error.Message);
    }

    [Fact]
    public void RequiredStringList_EmptyMarker_IsPresentAndEmpty()
    {
        var sut = CreateSut("ActionNames=");
        Assert.Empty(sut.RequiredStringList("ActionNames"));
        Assert.False(sut.HasErrors);
    }

    [Fact]
    public void OptionalStructList_IamTags_ReadsEachItem()
    {
        var sut = CreateSut("Tags.member.2.Key=team&Tags.member.2.Value=db&Tags.member.1.Key=env&Tags.member.1.Value=prod");
        var tags = sut.OptionalStructList("Tags", ReadTag);
        Assert.False(sut.HasErrors);
        Assert.Equal([new Tag("env", "prod"), new Tag("team", "db")], tags);
    }

    [Fact]
    public void OptionalStructList_RedshiftTagsWithGap_ClosesGap()
    {
        var sut = CreateSut("Tags.Tag.1.Key=a&Tags.Tag.5.Key=b&Tags.Tag.5.Value=x", QueryValidationStyle.InvalidParameterValue);
        var tags = sut.OptionalStructList("Tags", ReadTag, "Tag");
        Assert.False(sut.HasErrors);
        Assert.Equal([new Tag("a", null), new Tag("b", "x")], tags);
    }

    [Fact]
    public void OptionalStructList_StsPolicyArns_ReadsLowercaseField()
    {
        var sut = CreateSut(
            "PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2Fa&PolicyArns.member.2.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2Fb");
        var arns = sut.OptionalStructList("PolicyArns", item => item.RequiredString("arn"));
        Assert.Equal(["arn:aws:iam::123456789012:policy/a", "arn:aws:iam::aws:policy/b"], arns);
    }

    [Theory]
    [InlineData("Tags=", 0)]
    [InlineData("Other=1", -1)]
    public void OptionalStructList_EmptyOrAbsent_Distinguished(string body, int expectedCount)
    {
        var sut = CreateSut(body);
        var tags = sut.OptionalStructList("Tags", ReadTag);
        Assert.Equal(expectedCount, tags?.Count ?? -1);
    }

    [Fact]
    public void OptionalStructList_ItemMissingField_ReportsCoralPath()
    {
        var sut = CreateSut("Tags.member.1.Key=a&Tags.member.2.Value=b");
        sut.OptionalStructList("Tags", ReadTag);
        Assert.True(sut.TryGetError(out var error));
        Assert.Equal(
            "1 validation error detected: Value null at 'tags.2.member.key' failed to satisfy constraint: Member must not be null",
            error.Message);
    }

    [Fact]
    public void OptionalStructList_ItemMissingFieldInInvalidParameterValueStyle_NamesWireParameter()
    {
        var sut = CreateSut("Tags.Tag.1.Value=b", QueryValidationStyle.InvalidParameterValue);
        sut.OptionalStructList("Tags", ReadTag, "Tag");
        Assert.True(sut.TryGetError(out var error));
        Assert.Equal("The request must contain the parameter Tags.Tag.1.Key", error.Message);
    }

    [Theory]
    [InlineData("Tags.member.1=a")]
    [InlineData("Tags.member.1.=a")]
    [InlineData("Tags.member.0.Key=a")]
    public void OptionalStructList_MalformedItemKey_IsReported(string body)
    {
        var sut = CreateSut(body);
        sut.OptionalStructList("Tags", ReadTag);
        Assert.True(sut.TryGetError(out var error));
        Assert.Contains("Member must be a list item with an index from 1", error.Message);
    }

    [Fact]
    public void OptionalStructList_NestedList_ReadsInnerItems()
    {
        var sut = CreateSut(
            "ContextEntries.member.1.ContextKeyName=aws:username&ContextEntries.member.1.ContextKeyType=string"
            + "&ContextEntries.member.1.ContextKeyValues.member.2=bob&ContextEntries.member.1.ContextKeyValues.member.1=alice"
            + "&ContextEntries.member.2.ContextKeyName=aws:MultiFactorAuthPresent&ContextEntries.member.2.ContextKeyValues=");
        var entries = sut.OptionalStructList(
            "ContextEntries",
            item => (Name: item.RequiredString("ContextKeyName"), Values: item.OptionalStringList("ContextKeyValues")));
        Assert.False(sut.HasErrors);
        Assert.NotNull(entries);
        Assert.Equal(2, entries.Count);
        Assert.Equal("aws:username", entries[0].Name);
        Assert.Equal(["alice", "bob"], entries[0].Values);
        Assert.Equal("aws:MultiFactorAuthPresent", entries[1].Name);
        Assert.Equal([], entries[1].Values);
    }

    [Fact]
    public void RequiredStructList_Absent_ReportsMissing()
    {
        var sut = CreateSut("");
        Assert.Empty(sut.RequiredStructList("Tags", ReadTag));
        Assert.True(sut.TryGetError(out var error));
        Assert.Contains("Value null at 'tags'", error.Message);
    }
}
