using IamDb.Policy.Authorization;
using IamDb.Policy.Compilation;
using IamDb.Policy.Evaluation;
using IamDb.Policy.Model;
using static IamDb.Policy.Tests.Evaluation.TestPolicies;

namespace IamDb.Policy.Tests.Evaluation;

/// <summary>The Amazon Redshift Management Guide's example policies for GetClusterCredentials.</summary>
public class RedshiftExampleTests
{
    private const string Prefix = "arn:aws:redshift:us-west-2:123456789012:";
    private const string RoleId = "AIDIODR4TAW7CSEXAMPLE";

    // "Only your own DB user": GetClusterCredentials / CreateClusterUser bound to the session name via aws:userid.
    private static readonly CompiledPolicy OwnDbUser = CompiledPolicy.Compile(
        Document(
            Statement(
                PolicyEffect.Allow,
                ["redshift:GetClusterCredentials"],
                [$"{Prefix}dbuser:examplecluster/${{redshift:DbUser}}", $"{Prefix}dbname:examplecluster/testdb", $"{Prefix}dbgroup:examplecluster/common_group"],
                When("StringEquals", "aws:userid", $"{RoleId}:${{redshift:DbUser}}@yourdomain.com")).WithSid("GetClusterCredsStatement"),
            Statement(
                PolicyEffect.Allow,
                ["redshift:CreateClusterUser"],
                [$"{Prefix}dbuser:examplecluster/${{redshift:DbUser}}"],
                When("StringEquals", "aws:userid", $"{RoleId}:${{redshift:DbUser}}@yourdomain.com")).WithSid("CreateClusterUserStatement"),
            Statement(PolicyEffect.Allow, ["redshift:JoinGroup"], [$"{Prefix}dbgroup:examplecluster/common_group"]).WithSid("RedshiftJoinGroupStatement")),
        PolicyType.Identity,
        "redshift-own-user");

    private static PrincipalInfo Session(string sessionName) => PrincipalInfo.AssumedRole(Account, "RedshiftUsers", RoleId, sessionName);

    private static RequestContext Request(string dbUser, string? dbName = "testdb") =>
        dbName is null ? Context().Set(ContextKeys.RedshiftDbUser, dbUser) : Context().Set(ContextKeys.RedshiftDbUser, dbUser).Set(ContextKeys.RedshiftDbName, dbName);

    [Theory]
    [InlineData("redshift:GetClusterCredentials", "dbuser:examplecluster/alice", Decision.Allow)]
    [InlineData("redshift:GetClusterCredentials", "dbname:examplecluster/testdb", Decision.Allow)]
    [InlineData("redshift:GetClusterCredentials", "dbname:examplecluster/otherdb", Decision.ImplicitDeny)]
    [InlineData("redshift:CreateClusterUser", "dbuser:examplecluster/alice", Decision.Allow)]
    [InlineData("redshift:JoinGroup", "dbgroup:examplecluster/common_group", Decision.Allow)]
    [InlineData("redshift:JoinGroup", "dbgroup:examplecluster/admins", Decision.ImplicitDeny)]
    [InlineData("redshift:GetClusterCredentials", "dbuser:othercluster/alice", Decision.ImplicitDeny)]
    public void OwnDbUser_SessionNamedAfterDbUser_ThreeChecks(string action, string resource, Decision expected) =>
        Assert.Equal(expected, Decide(Identities(OwnDbUser), Session("alice@yourdomain.com"), action, Prefix + resource, Request("alice")));

    [Fact]
    public void OwnDbUser_OtherDbUserThanSession_ImplicitDeny()
    {
        // The session is alice's, but she asks for bob: the dbuser resource matches bob, the aws:userid condition fails.
        var decision = Decide(Identities(OwnDbUser), Session("alice@yourdomain.com"), "redshift:GetClusterCredentials",
            Prefix + "dbuser:examplecluster/bob", Request("bob"));
        Assert.Equal(Decision.ImplicitDeny, decision);
    }

    [Fact]
    public void OwnDbUser_ResourceForOtherUserThanContext_ImplicitDeny()
    {
        var decision = Decide(Identities(OwnDbUser), Session("alice@yourdomain.com"), "redshift:GetClusterCredentials",
            Prefix + "dbuser:examplecluster/bob", Request("alice"));
        Assert.Equal(Decision.ImplicitDeny, decision);
    }

    [Fact]
    public void OwnDbUser_MissingDbUserKey_IsReportedMissing()
    {
        var result = Explained(Identities(OwnDbUser), Session("alice@yourdomain.com"), "redshift:GetClusterCredentials",
            Prefix + "dbuser:examplecluster/alice", Context());
        Assert.Equal(Decision.ImplicitDeny, result.Decision);
        Assert.Contains(ContextKeys.RedshiftDbUser, result.MissingContextKeys);
    }

    [Fact]
    public void OwnDbUser_WildcardInDbUser_IsLiteral()
    {
        // DbUser "*" substitutes a literal star: it does not open every dbuser resource.
        var decision = Decide(Identities(OwnDbUser), Session("*@yourdomain.com"), "redshift:GetClusterCredentials",
            Prefix + "dbuser:examplecluster/admin", Request("*"));
        Assert.Equal(Decision.ImplicitDeny, decision);
    }

    [Theory]
    [InlineData("temp_creds_user", Decision.Allow)]
    [InlineData("admin", Decision.ImplicitDeny)]
    public void MinimalAndWildcardExamples_MatchDbUserResources(string dbUser, Decision expected)
    {
        var set = Identities(
            Identity(Allow("redshift:GetClusterCredentials", $"{Prefix}dbuser:examplecluster/temp_creds_user")),
            Identity(Allow("redshift:GetClusterCredentials", "arn:aws:redshift:us-west-2:123456789012:dbuser:*/temp_*")));
        Assert.Equal(expected, Decide(set, Alice, "redshift:GetClusterCredentials", $"{Prefix}dbuser:examplecluster/{dbUser}", Request(dbUser)));
    }

    [Fact]
    public void DataApiManagedPolicy_AllowsAnyDbNameAndTheDataApiUser()
    {
        var set = Identities(Identity(Statement(
            PolicyEffect.Allow,
            ["redshift:GetClusterCredentials"],
            ["arn:aws:redshift:*:*:dbname:*/*", "arn:aws:redshift:*:*:dbuser:*/redshift_data_api_user"])));
        Assert.Equal(Decision.Allow, Decide(set, Alice, "redshift:GetClusterCredentials", $"{Prefix}dbname:c1/dev"));
        Assert.Equal(Decision.Allow, Decide(set, Alice, "redshift:GetClusterCredentials", $"{Prefix}dbuser:c1/redshift_data_api_user"));
        Assert.Equal(Decision.ImplicitDeny, Decide(set, Alice, "redshift:GetClusterCredentials", $"{Prefix}dbuser:c1/admin"));
    }

    [Theory]
    [InlineData("900", Decision.Allow)]
    [InlineData("3600", Decision.ImplicitDeny)]
    public void DurationSeconds_NumericConditionOnStringKey(string duration, Decision expected)
    {
        var set = Identities(Identity(Allow("redshift:GetClusterCredentials", "*", When("NumericLessThanEquals", ContextKeys.RedshiftDurationSeconds, "1800"))));
        var context = Context().Set(ContextKeys.RedshiftDurationSeconds, duration);
        Assert.Equal(expected, Decide(set, Alice, "redshift:GetClusterCredentials", $"{Prefix}dbuser:c1/alice", context));
    }

    [Fact]
    public void DenySuperuser_ExplicitDenyOnAdminDbUser()
    {
        // AmazonRedshiftQueryEditor gives GetClusterCredentials broadly: restrict it with a Deny on the admin user.
        var set = Identities(
            Identity(Allow("redshift:GetClusterCredentials")),
            Identity(Deny("redshift:GetClusterCredentials", "*", When("StringEquals", ContextKeys.RedshiftDbUser, "adminuser"))));
        Assert.Equal(Decision.ExplicitDeny, Decide(set, Alice, "redshift:GetClusterCredentials", $"{Prefix}dbuser:c1/adminuser", Request("adminuser")));
        Assert.Equal(Decision.Allow, Decide(set, Alice, "redshift:GetClusterCredentials", $"{Prefix}dbuser:c1/alice", Request("alice")));
    }
}
