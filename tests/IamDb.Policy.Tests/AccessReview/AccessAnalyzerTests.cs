using IamDb.Policy.AccessReview;

namespace IamDb.Policy.Tests.AccessReview;

/// <summary>
/// A fixture account with users, groups, roles, a boundary and denies; the review must list exactly the principals
/// that IAM would let obtain credentials, per cluster and database user.
/// </summary>
public class AccessAnalyzerTests
{
    private const string Account = "123456789012";
    private static readonly ClusterRef Analytics = new("analytics", "us-east-1", Account);
    private static readonly ClusterRef Other = new("other", "us-east-1", Account);

    private static string Allow(string action, params string[] resources) =>
        $$"""{"Version":"2012-10-17","Statement":[{"Sid":"Grant","Effect":"Allow","Action":"{{action}}","Resource":[{{string.Join(",", resources.Select(r => $"\"{r}\""))}}]}]}""";

    private static string Arn(string cluster, string user) => $"arn:aws:redshift:us-east-1:{Account}:dbuser:{cluster}/{user}";

    private static string PolicyArn(string name) => $"arn:aws:iam::{Account}:policy/{name}";

    private static UserDetail User(string name, string[]? groups = null, string[]? attached = null, InlinePolicy[]? inline = null, string? boundary = null) =>
        new(name, $"arn:aws:iam::{Account}:user/{name}", "AIDA" + name.ToUpperInvariant(), "/", groups ?? [], attached ?? [], inline ?? [], boundary, new Dictionary<string, string>());

    private static RoleDetail Role(string name, string[]? attached = null, string? boundary = null) =>
        new(name, $"arn:aws:iam::{Account}:role/{name}", "AROA" + name.ToUpperInvariant(), "/", attached ?? [], [], boundary, null, new Dictionary<string, string>());

    private static AuthorizationDetails Fixture() => new(
        Account,
        [
            User("adam", attached: [PolicyArn("adam-access")]),
            User("bob", groups: ["analysts"]),
            User("carol", groups: ["analysts"], inline: [new InlinePolicy("no-reader", """
                {"Version":"2012-10-17","Statement":[{"Sid":"NoReader","Effect":"Deny","Action":"redshift:GetClusterCredentials","Resource":"arn:aws:redshift:*:*:dbuser:*/reader"}]}
                """)]),
            User("dave", attached: [PolicyArn("self-service")], boundary: PolicyArn("iam-read-only")),
            User("erin", attached: [PolicyArn("self-service")]),
            User("frank"),
            User("gina", groups: ["analysts"], boundary: PolicyArn("redshift-only")),
        ],
        [
            new GroupDetail("analysts", $"arn:aws:iam::{Account}:group/analysts", [PolicyArn("analysts-read")], []),
        ],
        [
            Role("etl", attached: [PolicyArn("etl-users")]),
            Role("admin-role", attached: [PolicyArn("redshift-admin")]),
        ],
        [
            new ManagedPolicyDetail(PolicyArn("adam-access"), "adam-access", Allow("redshift:GetClusterCredentials", Arn("analytics", "adam"))),
            new ManagedPolicyDetail(PolicyArn("analysts-read"), "analysts-read", Allow("redshift:GetClusterCredentials", Arn("analytics", "reader"))),
            new ManagedPolicyDetail(PolicyArn("self-service"), "self-service", Allow("redshift:GetClusterCredentials", Arn("analytics", "${aws:username}"))),
            new ManagedPolicyDetail(PolicyArn("etl-users"), "etl-users", Allow("redshift:GetClusterCredentials", Arn("analytics", "etl_*"))),
            new ManagedPolicyDetail(PolicyArn("redshift-admin"), "redshift-admin", Allow("redshift:*", "*")),
            new ManagedPolicyDetail(PolicyArn("iam-read-only"), "iam-read-only", Allow("iam:Get*", "*")),
            new ManagedPolicyDetail(PolicyArn("redshift-only"), "redshift-only", Allow("redshift:GetClusterCredentials", "*")),
        ]);

    private static Dictionary<string, string[]> Who(AccessReviewReport report, string cluster) =>
        report.Entries.Where(e => e.Cluster == cluster).ToDictionary(
            e => e.DbUser,
            e => e.Principals.Select(p => $"{p.Kind.ToString().ToLowerInvariant()}:{p.Name}").ToArray());

    [Fact]
    public void Analyze_Fixture_ListsExactlyThePrincipalsThatCanGetIn()
    {
        var report = AccessAnalyzer.Analyze(Fixture(), [Analytics, Other]);

        var analytics = Who(report, "analytics");
        Assert.Equal(["*", "adam", "dave", "erin", "etl_*", "reader"], analytics.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["user:adam", "role:admin-role"], analytics["adam"]);
        // carol's explicit deny removes her; gina's boundary allows credentials; frank has nothing.
        Assert.Equal(["user:bob", "user:gina", "group:analysts", "role:admin-role"], analytics["reader"]);
        // ${aws:username}: erin gets erin; dave's boundary allows only iam:Get*, so only the admin role reaches "dave".
        Assert.Equal(["user:erin", "role:admin-role"], analytics["erin"]);
        Assert.Equal(["role:admin-role"], analytics["dave"]);
        Assert.Equal(["role:admin-role", "role:etl"], analytics["etl_*"]);
        Assert.Equal(["role:admin-role"], analytics["*"]);
        Assert.Equal(["*"], Who(report, "other").Keys);
        Assert.Empty(report.Warnings);
    }

    [Fact]
    public void Analyze_Grant_NamesTheAllowingStatementsAndGroupMembers()
    {
        var report = AccessAnalyzer.Analyze(Fixture(), [Analytics]);

        var reader = report.Entries.Single(e => e.DbUser == "reader");
        var group = reader.Principals.Single(p => p.Kind == ReviewPrincipalKind.Group);
        Assert.Equal(["bob", "gina"], group.Members);
        Assert.Equal(["analysts-read (group analysts)#Grant"], group.Statements);
        var gina = reader.Principals.Single(p => p.Name == "gina");
        Assert.Contains("redshift-only#Grant [boundary]", gina.Statements);
        Assert.True(report.Entries.Single(e => e.DbUser == "etl_*").IsPattern);
        Assert.False(reader.IsPattern);
    }

    [Fact]
    public void Analyze_MissingManagedPolicy_WarnsAndLeavesItOut()
    {
        var details = Fixture() with { Policies = Fixture().Policies.Where(p => p.Name != "adam-access").ToList() };

        var report = AccessAnalyzer.Analyze(details, [Analytics]);

        Assert.DoesNotContain(report.Entries, e => e.DbUser == "adam");
        Assert.Contains(report.Warnings, w => w.Contains("adam-access", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("*", "*")]
    [InlineData("arn:aws:redshift:*:*:dbuser:analytics/adam", "adam")]
    [InlineData("arn:aws:redshift:us-east-1:123456789012:dbuser:anal*/temp_*", "temp_*")]
    [InlineData("arn:aws:redshift:us-east-1:123456789012:*", "*")]
    [InlineData("arn:aws:redshift:us-east-1:123456789012:dbuser:*", "*")]
    [InlineData("arn:aws:redshift:eu-west-1:123456789012:dbuser:analytics/adam", null)]
    [InlineData("arn:aws:redshift:us-east-1:123456789012:dbuser:other/adam", null)]
    [InlineData("arn:aws:redshift:us-east-1:123456789012:dbname:analytics/dev", null)]
    [InlineData("arn:aws:s3:::bucket", null)]
    public void DbUserPattern_ResourceArn_GivesTheDatabaseUserPartForThisCluster(string resource, string? expected)
    {
        Assert.Equal(expected, AccessAnalyzer.DbUserPattern(resource, Analytics));
    }

    [Fact]
    public void Analyze_RedshiftDbUserVariableBoundToUsername_GivesEachUserOnlyTheirOwnName()
    {
        const string own = """
            {"Version":"2012-10-17","Statement":[{"Sid":"Own","Effect":"Allow","Action":"redshift:GetClusterCredentials",
              "Resource":"arn:aws:redshift:us-east-1:123456789012:dbuser:analytics/${redshift:DbUser}",
              "Condition":{"StringEquals":{"redshift:DbUser":"${aws:username}"}}}]}
            """;
        var details = new AuthorizationDetails(
            Account,
            [User("zoe", attached: [PolicyArn("own")]), User("yan", attached: [PolicyArn("own")]), User("xia")],
            [],
            [],
            [new ManagedPolicyDetail(PolicyArn("own"), "own", own)]);

        var who = Who(AccessAnalyzer.Analyze(details, [Analytics]), "analytics");

        Assert.Equal(["yan", "zoe"], who.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["user:yan"], who["yan"]);
        Assert.Equal(["user:zoe"], who["zoe"]);
    }
}
