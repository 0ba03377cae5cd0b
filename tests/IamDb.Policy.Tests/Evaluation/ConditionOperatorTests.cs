using System.Net;
using IamDb.Policy.Authorization;
using IamDb.Policy.Compilation;
using IamDb.Policy.Evaluation;
using static IamDb.Policy.Tests.Evaluation.TestPolicies;

namespace IamDb.Policy.Tests.Evaluation;

public class ConditionOperatorTests
{
    private const string Key = "test:Key";

    /// <summary>
    /// Rows: operator, policy values ("|"-separated), request value (null = key missing, "[a,b]" = multivalued,
    /// "[]" = empty list), expected.
    /// </summary>
    [Theory]
    // String
    [InlineData("StringEquals", "abc", "abc", true)]
    [InlineData("StringEquals", "abc", "ABC", false)]
    [InlineData("StringEquals", "abc", null, false)]
    [InlineData("StringEquals", "a|b", "b", true)]
    [InlineData("StringEquals", "a*", "abc", false)]
    [InlineData("StringEquals", "a", "[a]", false)]
    [InlineData("StringNotEquals", "abc", "abc", false)]
    [InlineData("StringNotEquals", "abc", "x", true)]
    [InlineData("StringNotEquals", "abc", null, true)]
    [InlineData("StringNotEquals", "a|b", "b", false)]
    [InlineData("StringNotEquals", "a|b", "c", true)]
    [InlineData("StringEqualsIgnoreCase", "abc", "ABC", true)]
    [InlineData("StringEqualsIgnoreCase", "abc", "abd", false)]
    [InlineData("StringEqualsIgnoreCase", "abc", null, false)]
    [InlineData("StringNotEqualsIgnoreCase", "abc", "ABC", false)]
    [InlineData("StringNotEqualsIgnoreCase", "abc", "x", true)]
    [InlineData("StringNotEqualsIgnoreCase", "abc", null, true)]
    [InlineData("StringLike", "a*c", "abbc", true)]
    [InlineData("StringLike", "a?c", "abc", true)]
    [InlineData("StringLike", "a?c", "abbc", false)]
    [InlineData("StringLike", "A*", "abc", false)]
    [InlineData("StringLike", "a*", null, false)]
    [InlineData("StringLike", "x*|a*", "abc", true)]
    [InlineData("StringNotLike", "a*", "abc", false)]
    [InlineData("StringNotLike", "a*", "xyz", true)]
    [InlineData("StringNotLike", "a*", null, true)]
    [InlineData("StringNotLike", "a*|x*", "xyz", false)]
    [InlineData("StringEqualsIfExists", "abc", null, true)]
    [InlineData("StringEqualsIfExists", "abc", "x", false)]
    [InlineData("StringEqualsIfExists", "abc", "abc", true)]
    [InlineData("StringNotEqualsIfExists", "abc", null, true)]
    [InlineData("StringNotEqualsIfExists", "abc", "abc", false)]
    [InlineData("StringLikeIfExists", "a*", null, true)]
    [InlineData("StringNotLikeIfExists", "a*", "abc", false)]
    // Set qualifiers
    [InlineData("ForAnyValue:StringEquals", "a|b", "[c,b]", true)]
    [InlineData("ForAnyValue:StringEquals", "a|b", "[c,d]", false)]
    [InlineData("ForAnyValue:StringEquals", "a|b", null, false)]
    [InlineData("ForAnyValue:StringEquals", "a|b", "[]", false)]
    [InlineData("ForAnyValue:StringEquals", "a", "a", true)]
    [InlineData("ForAllValues:StringEquals", "a|b", "[a,b]", true)]
    [InlineData("ForAllValues:StringEquals", "a|b", "[a,c]", false)]
    [InlineData("ForAllValues:StringEquals", "a|b", null, true)]
    [InlineData("ForAllValues:StringEquals", "a|b", "[]", true)]
    [InlineData("ForAllValues:StringEquals", "a|b", "a", true)]
    [InlineData("ForAnyValue:StringNotEquals", "a", "[a,b]", true)]
    [InlineData("ForAnyValue:StringNotEquals", "a", "[a]", false)]
    [InlineData("ForAnyValue:StringNotEquals", "a", null, false)]
    [InlineData("ForAllValues:StringNotEquals", "a|b", "[c,d]", true)]
    [InlineData("ForAllValues:StringNotEquals", "a|b", "[c,a]", false)]
    [InlineData("ForAllValues:StringNotEquals", "a|b", null, true)]
    [InlineData("ForAllValues:StringLike", "a*", "[ab,ac]", true)]
    [InlineData("ForAllValues:StringLike", "a*", "[ab,bc]", false)]
    [InlineData("ForAnyValue:StringLikeIfExists", "a*", null, true)]
    // Numeric
    [InlineData("NumericEquals", "10", "10", true)]
    [InlineData("NumericEquals", "10", "10.0", true)]
    [InlineData("NumericEquals", "10", "11", false)]
    [InlineData("NumericEquals", "10", null, false)]
    [InlineData("NumericEquals", "10", "ten", false)]
    [InlineData("NumericEquals", "1.5|2.5", "2.5", true)]
    [InlineData("NumericNotEquals", "10", "11", true)]
    [InlineData("NumericNotEquals", "10", "10", false)]
    [InlineData("NumericNotEquals", "10", null, true)]
    [InlineData("NumericNotEquals", "10|11", "11", false)]
    [InlineData("NumericLessThan", "10", "9", true)]
    [InlineData("NumericLessThan", "10", "10", false)]
    [InlineData("NumericLessThan", "10", null, false)]
    [InlineData("NumericLessThanEquals", "10", "10", true)]
    [InlineData("NumericLessThanEquals", "10", "11", false)]
    [InlineData("NumericGreaterThan", "10", "11", true)]
    [InlineData("NumericGreaterThan", "10", "10", false)]
    [InlineData("NumericGreaterThanEquals", "10", "10", true)]
    [InlineData("NumericGreaterThanEquals", "10", "9", false)]
    [InlineData("NumericLessThanIfExists", "10", null, true)]
    [InlineData("NumericLessThanIfExists", "10", "20", false)]
    [InlineData("ForAnyValue:NumericGreaterThan", "5", "[1,6]", true)]
    [InlineData("ForAllValues:NumericGreaterThan", "5", "[1,6]", false)]
    // Date
    [InlineData("DateEquals", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", true)]
    [InlineData("DateEquals", "2024-01-01T00:00:00Z", "1704067200", true)]
    [InlineData("DateEquals", "1704067200", "2024-01-01T00:00:00Z", true)]
    [InlineData("DateEquals", "2024-01-01T00:00:00Z", "2024-01-01T01:00:00+01:00", true)]
    [InlineData("DateEquals", "2024-01-01T00:00:00Z", null, false)]
    [InlineData("DateNotEquals", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", false)]
    [InlineData("DateNotEquals", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", true)]
    [InlineData("DateNotEquals", "2024-01-01T00:00:00Z", null, true)]
    [InlineData("DateLessThan", "2024-01-01T00:00:00Z", "2023-12-31T23:59:59Z", true)]
    [InlineData("DateLessThan", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", false)]
    [InlineData("DateLessThanEquals", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", true)]
    [InlineData("DateGreaterThan", "2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z", true)]
    [InlineData("DateGreaterThan", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", false)]
    [InlineData("DateGreaterThanEquals", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", true)]
    [InlineData("DateGreaterThanEquals", "2024-01-01T00:00:00Z", "2023-01-01T00:00:00Z", false)]
    [InlineData("DateGreaterThanIfExists", "2024-01-01T00:00:00Z", null, true)]
    [InlineData("DateLessThan", "2024-01-01T00:00:00Z", "not a date", false)]
    // Bool
    [InlineData("Bool", "true", "true", true)]
    [InlineData("Bool", "true", "false", false)]
    [InlineData("Bool", "true", "TRUE", true)]
    [InlineData("Bool", "true", null, false)]
    [InlineData("Bool", "false", "false", true)]
    [InlineData("BoolIfExists", "true", null, true)]
    [InlineData("BoolIfExists", "true", "false", false)]
    // Binary
    [InlineData("BinaryEquals", "QmluYXJ5VmFsdWU=", "QmluYXJ5VmFsdWU=", true)]
    [InlineData("BinaryEquals", "QmluYXJ5VmFsdWU=", "T3RoZXI=", false)]
    [InlineData("BinaryEquals", "QmluYXJ5VmFsdWU=", null, false)]
    [InlineData("BinaryEqualsIfExists", "QmluYXJ5VmFsdWU=", null, true)]
    // IP
    [InlineData("IpAddress", "203.0.113.0/24", "203.0.113.7", true)]
    [InlineData("IpAddress", "203.0.113.0/24", "203.0.114.1", false)]
    [InlineData("IpAddress", "203.0.113.0/24", null, false)]
    [InlineData("IpAddress", "203.0.113.7", "203.0.113.7", true)]
    [InlineData("IpAddress", "203.0.113.7", "203.0.113.8", false)]
    [InlineData("IpAddress", "0.0.0.0/0", "198.51.100.1", true)]
    [InlineData("IpAddress", "2001:db8::/32", "2001:db8:1::1", true)]
    [InlineData("IpAddress", "2001:db8::/32", "2001:db9::1", false)]
    [InlineData("IpAddress", "203.0.113.0/24", "::ffff:203.0.113.9", true)]
    [InlineData("IpAddress", "203.0.113.0/24", "2001:db8::1", false)]
    [InlineData("IpAddress", "10.0.0.0/8|203.0.113.0/24", "10.1.2.3", true)]
    [InlineData("NotIpAddress", "203.0.113.0/24", "10.0.0.1", true)]
    [InlineData("NotIpAddress", "203.0.113.0/24", "203.0.113.1", false)]
    [InlineData("NotIpAddress", "203.0.113.0/24", null, true)]
    [InlineData("NotIpAddress", "10.0.0.0/8|203.0.113.0/24", "203.0.113.1", false)]
    [InlineData("IpAddressIfExists", "203.0.113.0/24", null, true)]
    // ARN
    [InlineData("ArnLike", "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/key", true)]
    [InlineData("ArnEquals", "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/key", true)]
    [InlineData("ArnLike", "arn:aws:iam::*:role/Admin", "arn:aws:iam::123456789012:role/Admin", true)]
    [InlineData("ArnLike", "arn:aws:iam::*:role/Admin", "arn:aws:iam::123456789012:role/admin", false)]
    [InlineData("ArnLike", "arn:aws:someservice:*:111122223333:finance/*",
        "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt", false)]
    [InlineData("StringLike", "arn:aws:someservice:*:111122223333:finance/*",
        "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt", true)]
    [InlineData("ArnLike", "arn:aws:ec2:us-east-1:123456789012:instance/*", "arn:aws:ec2:us-east-1:123456789012:instance/i-1:x", true)]
    [InlineData("ArnLike", "arn:aws:s3:::bucket/*", "not-an-arn", false)]
    [InlineData("ArnLike", "arn:aws:s3:::bucket/*", null, false)]
    [InlineData("ArnNotLike", "arn:aws:s3:::bucket/*", "arn:aws:s3:::other/key", true)]
    [InlineData("ArnNotLike", "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/key", false)]
    [InlineData("ArnNotLike", "arn:aws:s3:::bucket/*", null, true)]
    [InlineData("ArnNotEquals", "arn:aws:s3:::bucket/key", "arn:aws:s3:::bucket/key", false)]
    [InlineData("ArnLikeIfExists", "arn:aws:s3:::bucket/*", null, true)]
    [InlineData("ForAnyValue:ArnLike", "arn:aws:s3:::bucket/*", "[arn:aws:s3:::x/y,arn:aws:s3:::bucket/k]", true)]
    // Null
    [InlineData("Null", "true", null, true)]
    [InlineData("Null", "true", "x", false)]
    [InlineData("Null", "false", "x", true)]
    [InlineData("Null", "false", null, false)]
    [InlineData("Null", "true", "[]", true)]
    public void Evaluate_OperatorTable_MatchesAwsSemantics(string op, string policyValues, string? request, bool expected)
    {
        var context = Context();
        if (request is not null)
        {
            if (request.StartsWith('['))
            {
                var inner = request[1..^1];
                context.Set(Key, inner.Length == 0 ? [] : inner.Split(','));
            }
            else
            {
                context.Set(Key, request);
            }
        }

        Assert.Equal(expected, ConditionHolds(When(op, Key, policyValues.Split('|')), context));
    }

    [Fact]
    public void Evaluate_TwoKeysUnderOneOperator_AreAnded()
    {
        var context = Context().Set("test:A", "1").Set("test:B", "2");
        var policy = Identity(Allow("test:Act", "*", When("StringEquals", "test:A", "1"), When("StringEquals", "test:B", "3")));
        Assert.Equal(Decision.ImplicitDeny, Decide(Identities(policy), Alice, "test:Act", "*", context));
        context.Set("test:B", "3");
        Assert.Equal(Decision.Allow, Decide(Identities(policy), Alice, "test:Act", "*", context));
    }

    [Fact]
    public void Evaluate_ConditionKeyName_IsCaseInsensitive()
    {
        var context = Context().Set("TEST:key", "v");
        Assert.True(ConditionHolds(When("StringEquals", "test:KEY", "v"), context));
    }

    [Theory]
    [InlineData("IpAddress", "203.0.113.0/24", true)]
    [InlineData("NotIpAddress", "203.0.113.0/24", false)]
    [InlineData("StringEquals", "203.0.113.5", true)]
    public void Evaluate_DerivedSourceIp_IsTypedAndText(string op, string value, bool expected)
    {
        var context = Context();
        context.SourceIp = IPAddress.Parse("203.0.113.5");
        Assert.Equal(expected, ConditionHolds(When(op, "aws:SourceIp", value), context));
    }

    [Theory]
    [InlineData("DateGreaterThan", "aws:CurrentTime", "2024-05-31T00:00:00Z", true)]
    [InlineData("DateLessThan", "aws:CurrentTime", "2024-05-31T00:00:00Z", false)]
    [InlineData("StringLike", "aws:CurrentTime", "2024-06-01T12:*", true)]
    [InlineData("NumericEquals", "aws:EpochTime", "1717243200", true)]
    [InlineData("DateEquals", "aws:EpochTime", "2024-06-01T12:00:00Z", true)]
    public void Evaluate_DerivedTimeKeys_ComeFromTheTimeProvider(string op, string key, string value, bool expected) =>
        Assert.Equal(expected, ConditionHolds(When(op, key, value), Context()));

    [Theory]
    [InlineData(true, "true", true)]
    [InlineData(false, "true", false)]
    [InlineData(null, "false", false)]
    public void Evaluate_SecureTransport_IsBoolean(bool? secure, string value, bool expected)
    {
        var context = Context();
        context.SecureTransport = secure;
        Assert.Equal(expected, ConditionHolds(When("Bool", "aws:SecureTransport", value), context));
    }

    [Fact]
    public void Evaluate_ExplicitStandardKey_OverridesDerivedValue()
    {
        var context = Context().Set("aws:CurrentTime", "2020-01-01T00:00:00Z");
        Assert.True(ConditionHolds(When("DateLessThan", "aws:CurrentTime", "2021-01-01T00:00:00Z"), context));
    }

    [Theory]
    [InlineData("aws:username", "alice", true)]
    [InlineData("aws:userid", "AIDAALICE", true)]
    [InlineData("aws:PrincipalArn", "arn:aws:iam::123456789012:user/alice", true)]
    [InlineData("aws:PrincipalAccount", "123456789012", true)]
    [InlineData("aws:PrincipalType", "User", true)]
    [InlineData("aws:PrincipalTag/team", "data", true)]
    [InlineData("aws:PrincipalTag/TEAM", "data", true)]
    [InlineData("aws:PrincipalTag/other", "data", false)]
    public void Evaluate_PrincipalKeys_DeriveFromThePrincipal(string key, string value, bool expected)
    {
        var principal = PrincipalInfo.User(Account, "alice", "AIDAALICE", tags: new Dictionary<string, string> { ["team"] = "data" });
        Assert.Equal(expected, ConditionHolds(When("StringEquals", key, value), Context(), principal));
    }

    [Theory]
    [InlineData("aws:userid", "AROAOPS:sess")]
    [InlineData("aws:PrincipalArn", "arn:aws:iam::123456789012:role/Ops")]
    [InlineData("aws:PrincipalType", "AssumedRole")]
    public void Evaluate_RoleSessionKeys_FollowAwsTable(string key, string value) =>
        Assert.True(ConditionHolds(When("StringEquals", key, value), Context(), RoleSession));

    [Fact]
    public void Evaluate_RoleSession_HasNoUserName() =>
        Assert.True(ConditionHolds(When("Null", "aws:username", "true"), Context(), RoleSession));

    [Theory]
    [InlineData("aws:userid", "123456789012")]
    [InlineData("aws:PrincipalType", "Account")]
    public void Evaluate_RootKeys_FollowAwsTable(string key, string value)
    {
        // Root has identity-side access anyway, so look at the condition through a Deny.
        var policy = Identity(Deny("test:Act", "*", When("StringEquals", key, value)));
        Assert.Equal(Decision.ExplicitDeny, Decide(Identities(policy), PrincipalInfo.Root(Account), "test:Act", "*"));
    }

    [Fact]
    public void Evaluate_FederatedUserId_IsAccountColonName()
    {
        var principal = PrincipalInfo.FederatedUser(Account, "bob", $"arn:aws:iam::{Account}:user/bob");
        var policy = Identity(Allow("test:Act", "*", When("StringEquals", "aws:userid", $"{Account}:bob")));
        var set = Identities(policy) with { SessionPolicies = [PolicyOf(PolicyKind.Session, Allow("*"))] };
        Assert.Equal(Decision.Allow, Decide(set, principal, "test:Act", "*"));
    }

    [Fact]
    public void Evaluate_TypedSetters_AreReadByTheirOperators()
    {
        var context = Context()
            .SetNumber("test:N", 5)
            .SetDate("test:D", Now)
            .SetBool("test:B", true)
            .SetIp("test:I", IPAddress.Parse("10.0.0.1"))
            .SetBinary("test:X", [1, 2, 3]);
        Assert.True(ConditionHolds(When("NumericEquals", "test:N", "5"), context));
        Assert.True(ConditionHolds(When("StringEquals", "test:N", "5"), context));
        Assert.True(ConditionHolds(When("DateEquals", "test:D", "2024-06-01T12:00:00Z"), context));
        Assert.True(ConditionHolds(When("Bool", "test:B", "true"), context));
        Assert.True(ConditionHolds(When("IpAddress", "test:I", "10.0.0.0/8"), context));
        Assert.True(ConditionHolds(When("BinaryEquals", "test:X", Convert.ToBase64String(new byte[] { 1, 2, 3 })), context));
    }

    [Fact]
    public void Reset_ClearsKeysAndRereadsTime()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now);
        var context = new RequestContext(time).Set(Key, "v");
        time.Advance(TimeSpan.FromHours(1));
        context.Reset();
        Assert.Empty(context.ExplicitKeys);
        Assert.Equal(Now.AddHours(1), context.CurrentTime);
        Assert.False(ConditionHolds(When("StringEquals", Key, "v"), context));
    }
}
