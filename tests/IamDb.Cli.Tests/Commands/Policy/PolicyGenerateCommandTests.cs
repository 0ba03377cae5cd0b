using IamDb.Cli.Output;
using IamDb.Policy.Authorization;
using IamDb.Policy.Compilation;
using IamDb.Policy.Evaluation;
using IamDb.Policy.Linting;
using IamDb.Policy.Parsing;

namespace IamDb.Cli.Tests.Commands.Policy;

/// <summary>The generated policy parses with our own parser and allows exactly the intended access.</summary>
public class PolicyGenerateCommandTests : IDisposable
{
    private const string Account = "123456789012";
    private readonly CliProcess _cli = new();

    public void Dispose() => _cli.Dispose();

    private async Task<CompiledPolicy> GenerateAsync(params string[] args)
    {
        var result = await _cli.RunAsync(["policy", "generate", "--region", "us-east-1", "--account", Account, .. args]);
        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        var parsed = PolicyParser.Parse(result.Stdout, PolicyKind.Identity);
        Assert.True(parsed.IsValid, string.Join("; ", parsed.Errors));
        Assert.Empty(PolicyLinter.Lint(parsed.Document!, PolicyKind.Identity));
        return CompiledPolicy.Compile(parsed.Document!, PolicyType.Identity, "generated");
    }

    private static Decision Decide(CompiledPolicy policy, string action, string resource, string userName = "someone", string dbUser = "adam")
    {
        var principal = PrincipalInfo.User(Account, userName, "AIDAEXAMPLE");
        var context = new RequestContext().Set("redshift:DbUser", dbUser);
        return PolicyAuthorizer.Authorize(new AuthorizationRequest(principal, action, resource, context), new PolicySet { IdentityPolicies = [policy] });
    }

    private static string Arn(string type, string cluster, string name) => $"arn:aws:redshift:us-east-1:{Account}:{type}:{cluster}/{name}";

    [Fact]
    public async Task Generate_OneUser_AllowsExactlyThatUserDatabaseAndGroups()
    {
        var policy = await GenerateAsync("--cluster", "analytics", "--db-user", "adam", "--db-name", "dev", "--db-groups", "readers", "loaders", "--auto-create");

        Assert.Equal(Decision.Allow, Decide(policy, "redshift:GetClusterCredentials", Arn("dbuser", "analytics", "adam")));
        Assert.Equal(Decision.Allow, Decide(policy, "redshift:GetClusterCredentials", Arn("dbname", "analytics", "dev")));
        Assert.Equal(Decision.Allow, Decide(policy, "redshift:CreateClusterUser", Arn("dbuser", "analytics", "adam")));
        Assert.Equal(Decision.Allow, Decide(policy, "redshift:JoinGroup", Arn("dbgroup", "analytics", "readers")));
        Assert.Equal(Decision.Allow, Decide(policy, "redshift:JoinGroup", Arn("dbgroup", "analytics", "loaders")));

        Assert.Equal(Decision.ImplicitDeny, Decide(policy, "redshift:GetClusterCredentials", Arn("dbuser", "analytics", "admin"), dbUser: "admin"));
        Assert.Equal(Decision.ImplicitDeny, Decide(policy, "redshift:GetClusterCredentials", Arn("dbuser", "other", "adam")));
        Assert.Equal(Decision.ImplicitDeny, Decide(policy, "redshift:GetClusterCredentials", Arn("dbname", "analytics", "prod")));
        Assert.Equal(Decision.ImplicitDeny, Decide(policy, "redshift:JoinGroup", Arn("dbgroup", "analytics", "admins")));
        Assert.Equal(Decision.ImplicitDeny, Decide(policy, "redshift:CreateClusterUser", Arn("dbuser", "analytics", "eve"), dbUser: "eve"));
        Assert.Equal(Decision.ImplicitDeny, Decide(policy, "redshift:GetClusterCredentials", $"arn:aws:redshift:eu-west-1:{Account}:dbuser:analytics/adam"));
    }

    [Fact]
    public async Task Generate_AllowsDescribingOnlyThatCluster_AsUrlAndConnectNeed()
    {
        var policy = await GenerateAsync("--cluster", "analytics", "--db-user", "adam");

        var cluster = $"arn:aws:redshift:us-east-1:{Account}:cluster:analytics";
        Assert.Equal(Decision.Allow, Decide(policy, "redshift:DescribeClusters", cluster));
        Assert.Equal(Decision.ImplicitDeny, Decide(policy, "redshift:DescribeClusters", $"arn:aws:redshift:us-east-1:{Account}:cluster:other"));
        Assert.Equal(Decision.ImplicitDeny, Decide(policy, "redshift:DescribeClusters", "*"));
    }

    [Fact]
    public async Task Generate_WithoutAutoCreateOrGroups_GrantsNeither()
    {
        var policy = await GenerateAsync("--cluster", "analytics", "--db-user", "adam");

        Assert.Equal(Decision.Allow, Decide(policy, "redshift:GetClusterCredentials", Arn("dbuser", "analytics", "adam")));
        Assert.Equal(Decision.ImplicitDeny, Decide(policy, "redshift:CreateClusterUser", Arn("dbuser", "analytics", "adam")));
        Assert.Equal(Decision.ImplicitDeny, Decide(policy, "redshift:JoinGroup", Arn("dbgroup", "analytics", "readers")));
        Assert.Equal(2, policy.Document.Statements.Count);
    }

    [Fact]
    public async Task Generate_BindToUsername_EachUserGetsOnlyTheirOwnDatabaseUser()
    {
        var policy = await GenerateAsync("--cluster", "analytics", "--bind-to-username");

        Assert.Equal(Decision.Allow, Decide(policy, "redshift:GetClusterCredentials", Arn("dbuser", "analytics", "alice"), userName: "alice", dbUser: "alice"));
        Assert.Equal(Decision.Allow, Decide(policy, "redshift:GetClusterCredentials", Arn("dbuser", "analytics", "bob"), userName: "bob", dbUser: "bob"));
        Assert.Equal(Decision.ImplicitDeny, Decide(policy, "redshift:GetClusterCredentials", Arn("dbuser", "analytics", "bob"), userName: "alice", dbUser: "bob"));
    }
}
