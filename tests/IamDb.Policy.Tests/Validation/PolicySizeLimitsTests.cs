using IamDb.Policy.Parsing;
using IamDb.Policy.Validation;

namespace IamDb.Policy.Tests.Validation;

public class PolicySizeLimitsTests
{
    private const string Prefix = "{\"Version\":\"2012-10-17\",\"Statement\":{\"Sid\":\"";
    private const string Suffix = "\",\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}}";

    /// <summary>A compact (no white space) valid document of exactly <paramref name="size"/> characters, padded through the Sid.</summary>
    private static string CompactDocumentOfSize(int size) => Prefix + new string('A', size - Prefix.Length - Suffix.Length) + Suffix;

    public static TheoryData<PolicyKind, int, string, string> Limits => new()
    {
        { PolicyKind.Identity, 6144, PolicyErrorCodes.LimitExceeded, "Cannot exceed quota for PolicySize: 6144" },
        { PolicyKind.PermissionsBoundary, 6144, PolicyErrorCodes.LimitExceeded, "Cannot exceed quota for PolicySize: 6144" },
        { PolicyKind.InlineUser, 2048, PolicyErrorCodes.LimitExceeded, "Maximum policy size of 2048 bytes exceeded for user alice" },
        { PolicyKind.InlineGroup, 5120, PolicyErrorCodes.LimitExceeded, "Maximum policy size of 5120 bytes exceeded for group alice" },
        { PolicyKind.InlineRole, 10240, PolicyErrorCodes.LimitExceeded, "Maximum policy size of 10240 bytes exceeded for role alice" },
        { PolicyKind.Trust, 2048, PolicyErrorCodes.LimitExceeded, "Cannot exceed quota for ACLSizePerRole: 2048" },
        {
            PolicyKind.Session, 2048, PolicyErrorCodes.ValidationError,
            "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048"
        },
        { PolicyKind.Guardrail, 5120, PolicyErrorCodes.LimitExceeded, "Cannot exceed quota for PolicySize: 5120" },
        { PolicyKind.Resource, 20480, PolicyErrorCodes.LimitExceeded, "Cannot exceed quota for PolicySize: 20480" },
    };

    [Theory]
    [MemberData(nameof(Limits))]
    public void Check_AtLimitBoundaries_RejectsOnlyAboveTheLimit(PolicyKind kind, int limit, string code, string message)
    {
        Assert.Equal(limit, PolicySizeLimits.GetLimit(kind));
        Assert.Null(PolicySizeLimits.Check(CompactDocumentOfSize(limit - 1), kind, "alice"));
        Assert.Null(PolicySizeLimits.Check(CompactDocumentOfSize(limit), kind, "alice"));

        var error = PolicySizeLimits.Check(CompactDocumentOfSize(limit + 1), kind, "alice");

        Assert.NotNull(error);
        Assert.Equal(code, error.Code);
        Assert.Equal(message, error.Message);
        Assert.Equal(limit, error.Limit);
        Assert.Equal(limit + 1, error.Size);
    }

    [Fact]
    public void CompactDocumentOfSize_IsAValidPolicy() =>
        Assert.True(PolicyParser.Parse(CompactDocumentOfSize(200), PolicyKind.Identity).IsValid);

    [Theory]
    [InlineData(PolicyKind.Identity, true)]
    [InlineData(PolicyKind.InlineUser, true)]
    [InlineData(PolicyKind.InlineGroup, true)]
    [InlineData(PolicyKind.InlineRole, true)]
    [InlineData(PolicyKind.Trust, true)]
    [InlineData(PolicyKind.PermissionsBoundary, true)]
    [InlineData(PolicyKind.Resource, true)]
    [InlineData(PolicyKind.Session, false)]
    [InlineData(PolicyKind.Guardrail, false)]
    public void Check_WhitespaceAtTheLimit_CountsOnlyWhereTheQuotaDoes(PolicyKind kind, bool whitespaceFree)
    {
        var limit = PolicySizeLimits.GetLimit(kind);
        var padded = CompactDocumentOfSize(limit).Replace("{", "{\n\t ", StringComparison.Ordinal).Replace(",", ",\r\n  ", StringComparison.Ordinal);

        Assert.Equal(limit, PolicySizeLimits.Measure(padded, kind) - (whitespaceFree ? 0 : padded.Length - limit));
        Assert.Equal(whitespaceFree, PolicySizeLimits.Check(padded, kind, "alice") is null);
    }

    [Theory]
    [InlineData(PolicyKind.InlineUser, 2048)]
    [InlineData(PolicyKind.InlineGroup, 5120)]
    [InlineData(PolicyKind.InlineRole, 10240)]
    public void CheckInlineAggregate_Boundaries_RejectsOnlyAboveTheLimit(PolicyKind kind, int limit)
    {
        Assert.Null(PolicySizeLimits.CheckInlineAggregate(limit - 1, kind, "ops"));
        Assert.Null(PolicySizeLimits.CheckInlineAggregate(limit, kind, "ops"));
        var error = PolicySizeLimits.CheckInlineAggregate(limit + 1, kind, "ops");
        Assert.NotNull(error);
        Assert.EndsWith(" ops", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckInlineAggregate_ManagedKind_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PolicySizeLimits.CheckInlineAggregate(1, PolicyKind.Identity, "x"));

    [Fact]
    public void Measure_InlineAggregate_SumsPerPolicySizes()
    {
        var first = CompactDocumentOfSize(1000);
        var second = CompactDocumentOfSize(1049) + "\n";
        var total = PolicySizeLimits.Measure(first, PolicyKind.InlineUser) + PolicySizeLimits.Measure(second, PolicyKind.InlineUser);

        Assert.Equal(2049, total);
        Assert.NotNull(PolicySizeLimits.CheckInlineAggregate(total, PolicyKind.InlineUser, "alice"));
    }
}
