using System.Globalization;
using System.Text.Json;
using IamDb.Cli.Commands.Policy.Generate;
using IamDb.Cli.Output;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Cli.Tests.Broker;

/// <summary>The built iamdb against a real broker and PostgreSQL: clusters, credentials, denials, simulation, review, revocation.</summary>
public sealed class BrokerCommandTests(PostgresServerFixture postgres) : IAsyncLifetime
{
    private BrokerKit _kit = null!;

    public async ValueTask InitializeAsync() => _kit = await BrokerKit.StartAsync(postgres);

    public async ValueTask DisposeAsync() => await _kit.DisposeAsync();

    private static string Policy(string cluster, string dbUser, string? dbName = null) =>
        PolicyGenerateCommand.Generate(new PolicyGrant(cluster, dbUser, dbName, [], false, false, "us-east-1", "*")).ToJsonString();

    private async Task<bool> CanLogInAsync(string user, string password, string database)
    {
        var builder = new NpgsqlConnectionStringBuilder(postgres.Server.ConnectionString(database, user, password)) { Pooling = false };
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            return true;
        }
        catch (PostgresException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Clusters_AddListTestRemove_ManageTheBrokersClusters()
    {
        var (cluster, database) = await _kit.AddClusterAsync();

        var list = await _kit.RunAsync("clusters", "list", "--output", "json");
        Assert.True(list.ExitCode == ExitCodes.Ok, list.ToString());
        using (var json = JsonDocument.Parse(list.Stdout))
        {
            var entry = json.RootElement.GetProperty("Clusters").EnumerateArray().Single(c => c.GetProperty("ClusterIdentifier").GetString() == cluster);
            Assert.Equal(database, entry.GetProperty("DBName").GetString());
            Assert.Equal(postgres.Server.Port, entry.GetProperty("Endpoint").GetProperty("Port").GetInt32());
        }

        var test = await _kit.RunAsync("clusters", "test", cluster, "-o", "json");
        Assert.True(test.ExitCode == ExitCodes.Ok, test.ToString());
        using (var json = JsonDocument.Parse(test.Stdout))
        {
            Assert.Matches(@"^\d+\.\d+", json.RootElement.GetProperty("ServerVersion").GetString());
            Assert.Contains(database, json.RootElement.GetProperty("Databases").EnumerateArray().Select(d => d.GetString()));
        }

        var remove = await _kit.RunAsync("clusters", "remove", cluster);
        Assert.True(remove.ExitCode == ExitCodes.Ok, remove.ToString());
        var again = await _kit.RunAsync("clusters", "test", cluster);
        Assert.Equal(ExitCodes.Failure, again.ExitCode);
        Assert.Contains($"error: ClusterNotFound: Cluster {cluster} not found.", again.Stderr);
    }

    [Fact]
    public async Task Clusters_AddWithSecuritySettings_UpdateThem_AndTestReportsTls()
    {
        var database = await postgres.CreateDatabaseAsync("cli");
        var cluster = "s" + Guid.NewGuid().ToString("N")[..12];
        _kit.Cli.Environment["TEST_PG_ADMIN_PASSWORD"] = new NpgsqlConnectionStringBuilder(postgres.Server.ConnectionString()).Password;
        var add = await _kit.RunAsync("clusters", "add", cluster, "--host", postgres.Server.Host, "--port", postgres.Server.Port.ToString(CultureInfo.InvariantCulture),
            "--database", database, "--admin-user", postgres.Server.SuperUser, "--admin-password-env", "TEST_PG_ADMIN_PASSWORD",
            "--ssl-mode", "verify-full", "--ssl-root-cert", postgres.Server.RootCertificatePath!, "--allowed-db-groups", "analysts", "team_*", "--allow-privileged-db-users",
            "-o", "json");
        Assert.True(add.ExitCode == ExitCodes.Ok, add.ToString());
        using (var json = JsonDocument.Parse(add.Stdout))
        {
            var entry = json.RootElement.GetProperty("Cluster");
            Assert.Equal("verify-full", entry.GetProperty("SslMode").GetString());
            Assert.Equal(["analysts", "team_*"], entry.GetProperty("AllowedDbGroups").EnumerateArray().Select(g => g.GetString()));
            Assert.True(entry.GetProperty("AllowPrivilegedDbUsers").GetBoolean());
        }

        var test = await _kit.RunAsync("clusters", "test", cluster);
        Assert.True(test.ExitCode == ExitCodes.Ok, test.ToString());
        Assert.Matches(@"TLS: TLSv1\.[23], verified \(verify-full\) against the registered root", test.Stdout);

        var update = await _kit.RunAsync("clusters", "update", cluster, "--ssl-mode", "require", "--no-ssl-root-cert", "--allowed-db-groups",
            "--allow-privileged-db-users", "false", "-o", "json");
        Assert.True(update.ExitCode == ExitCodes.Ok, update.ToString());
        using (var json = JsonDocument.Parse(update.Stdout))
        {
            var entry = json.RootElement.GetProperty("Cluster");
            Assert.Equal("require", entry.GetProperty("SslMode").GetString());
            Assert.Empty(entry.GetProperty("AllowedDbGroups").EnumerateArray());
            Assert.False(entry.GetProperty("AllowPrivilegedDbUsers").GetBoolean());
        }

        var nothing = await _kit.RunAsync("clusters", "update", cluster);
        Assert.Equal(ExitCodes.Usage, nothing.ExitCode);
    }

    [Fact]
    public async Task ClustersAdd_MissingPasswordVariable_IsAUsageErrorAndStoresNothing()
    {
        _kit.Cli.Environment["UNSET_PASSWORD_VARIABLE"] = null;
        var result = await _kit.RunAsync("clusters", "add", "nopw", "--host", "127.0.0.1", "--database", "postgres", "--admin-user", "postgres",
            "--admin-password-env", "UNSET_PASSWORD_VARIABLE");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("UNSET_PASSWORD_VARIABLE", result.Stderr);
        var list = await _kit.RunAsync("clusters", "list", "-o", "json");
        Assert.DoesNotContain("nopw", list.Stdout);
    }

    [Fact]
    public async Task GetClusterCredentials_AwsCliShape_LogsInToThatDatabaseOnly()
    {
        var (cluster, database) = await _kit.AddClusterAsync();
        await _kit.CreateRoleAsync("cli_dev");

        var result = await _kit.RunAsync("get-cluster-credentials", "--cluster-identifier", cluster, "--db-user", "cli_dev", "--db-name", database, "--duration-seconds", "1200");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(["DbUser", "DbPassword", "Expiration"], json.RootElement.EnumerateObject().Select(p => p.Name));
        var dbUser = json.RootElement.GetProperty("DbUser").GetString()!;
        var password = json.RootElement.GetProperty("DbPassword").GetString()!;
        var expiration = DateTimeOffset.Parse(json.RootElement.GetProperty("Expiration").GetString()!, CultureInfo.InvariantCulture);
        Assert.StartsWith("IAM:cli_dev", dbUser);
        Assert.InRange(expiration - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(18), TimeSpan.FromMinutes(21));
        Assert.True(await CanLogInAsync(dbUser, password, database), "the credential logs in to its database");
        Assert.False(await CanLogInAsync(dbUser, password, "postgres"), "the credential is limited to its database");
    }

    [Fact]
    public async Task GetClusterCredentials_PrintsWhatAwsCliV2Prints_MemberOrderAndExpiration()
    {
        var (cluster, database) = await _kit.AddClusterAsync();
        await _kit.CreateRoleAsync("cli_awsshape");
        var keys = File.ReadAllLines(_kit.Broker.CredentialsFilePath).Select(l => l.Split('=', 2, StringSplitOptions.TrimEntries)).Where(p => p.Length == 2)
            .DistinctBy(p => p[0]).ToDictionary(p => p[0], p => p[1]);
        var aws = new AwsCli(_kit.Endpoint, keys["aws_access_key_id"], keys["aws_secret_access_key"]);
        string[] request = ["--cluster-identifier", cluster, "--db-user", "cli_awsshape", "--db-name", database];

        var real = await aws.RunAsync(["redshift", "get-cluster-credentials", .. request], TestContext.Current.CancellationToken);
        var ours = await _kit.RunAsync(["get-cluster-credentials", .. request]);

        Assert.True(real.ExitCode == 0, CliResult.Redact(real.Stderr));
        Assert.True(ours.ExitCode == ExitCodes.Ok, ours.ToString());
        using var realJson = JsonDocument.Parse(real.Stdout);
        using var ourJson = JsonDocument.Parse(ours.Stdout);
        Assert.Equal(realJson.RootElement.EnumerateObject().Select(p => p.Name), ourJson.RootElement.EnumerateObject().Select(p => p.Name));
        // aws CLI v2 prints Python's isoformat(): seconds, microseconds when there are any, and the +00:00 offset.
        var realExpiration = realJson.RootElement.GetProperty("Expiration").GetString()!;
        var ourExpiration = ourJson.RootElement.GetProperty("Expiration").GetString()!;
        const string isoformat = @"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$";
        Assert.Matches(isoformat, realExpiration);
        Assert.Matches(isoformat, ourExpiration);
        Assert.InRange(DateTimeOffset.Parse(ourExpiration, CultureInfo.InvariantCulture) - DateTimeOffset.Parse(realExpiration, CultureInfo.InvariantCulture), TimeSpan.FromSeconds(-5), TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task GetClusterCredentials_WithEnv_TakesClusterUserAndDatabaseFromIt()
    {
        var (cluster, database) = await _kit.AddClusterAsync();
        await _kit.CreateRoleAsync("cli_env");
        var add = await _kit.Cli.RunAsync("env", "add", "local", "--endpoint-url", _kit.Endpoint, "--cluster", cluster, "--db-name", database, "--db-user", "cli_env");
        Assert.True(add.ExitCode == ExitCodes.Ok, add.ToString());

        var result = await _kit.Cli.RunAsync("get-cluster-credentials", "--env", "local");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.True(await CanLogInAsync(json.RootElement.GetProperty("DbUser").GetString()!, json.RootElement.GetProperty("DbPassword").GetString()!, database));
    }

    [Fact]
    public async Task GetClusterCredentials_PolicyDenies_ExitsThreeWithAwsCodeAndMessage()
    {
        var (cluster, _) = await _kit.AddClusterAsync();
        var (keyId, secret, arn) = await _kit.CreateUserWithKeyAsync("nobody");
        _kit.Cli.Environment["AWS_ACCESS_KEY_ID"] = keyId;
        _kit.Cli.Environment["AWS_SECRET_ACCESS_KEY"] = secret;

        var result = await _kit.RunAsync("get-cluster-credentials", "--cluster-identifier", cluster, "--db-user", "postgres");

        Assert.True(result.ExitCode == ExitCodes.AccessDenied, result.ToString());
        Assert.StartsWith($"error: AccessDenied: User: {arn} is not authorized to perform: redshift:GetClusterCredentials", result.Stderr);
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public async Task PolicySimulate_ExplainsMatchedStatementsAndMissingContext()
    {
        var account = _kit.Broker.AccountId;
        await _kit.IamAsync("CreateUser", ("UserName", "sim"));
        await _kit.IamAsync("PutUserPolicy", ("UserName", "sim"), ("PolicyName", "own-user"),
            ("PolicyDocument", PolicyGenerateCommand.Generate(new PolicyGrant("analytics", null, null, [], false, true, "us-east-1", "*")).ToJsonString()));
        var resource = $"arn:aws:redshift:us-east-1:{account}:dbuser:analytics/sim";

        var allowed = await _kit.RunAsync("policy", "simulate", "--principal", "sim", "--action", "redshift:GetClusterCredentials", "--resource", resource,
            "--context", "redshift:DbUser=sim");
        var missing = await _kit.RunAsync("policy", "simulate", "--principal", "sim", "--action", "redshift:GetClusterCredentials", "--resource", resource);
        var json = await _kit.RunAsync("policy", "simulate", "--principal", $"arn:aws:iam::{account}:user/sim", "--action", "redshift:CreateClusterUser",
            "--resource", resource, "--output", "json");

        Assert.True(allowed.ExitCode == ExitCodes.Ok, allowed.ToString());
        Assert.Contains($"redshift:GetClusterCredentials on {resource}: ALLOWED", allowed.Stdout);
        Assert.Contains("matched user policy \"own-user\", statement at line", allowed.Stdout);
        Assert.True(missing.ExitCode == ExitCodes.AccessDenied, missing.ToString());
        Assert.Contains("DENIED implicitly", missing.Stdout);
        Assert.Contains("missing context keys (a condition needed them; pass --context KEY=VALUE): redshift:DbUser", missing.Stdout);
        Assert.Equal(ExitCodes.AccessDenied, json.ExitCode);
        using var doc = JsonDocument.Parse(json.Stdout);
        var result = doc.RootElement.GetProperty("EvaluationResults")[0];
        Assert.Equal("implicitDeny", result.GetProperty("EvalDecision").GetString());
        Assert.Empty(result.GetProperty("MatchedStatements").EnumerateArray());
    }

    [Fact]
    public async Task AccessReview_AgainstTheBroker_ListsExactlyWhoCanGetIn()
    {
        var (cluster, _) = await _kit.AddClusterAsync();
        await _kit.IamAsync("CreateUser", ("UserName", "rev-alice"));
        await _kit.IamAsync("PutUserPolicy", ("UserName", "rev-alice"), ("PolicyName", "alice-reader"), ("PolicyDocument", Policy(cluster, "reader")));
        await _kit.IamAsync("CreateGroup", ("GroupName", "rev-analysts"));
        await _kit.IamAsync("PutGroupPolicy", ("GroupName", "rev-analysts"), ("PolicyName", "analysts"), ("PolicyDocument", Policy(cluster, "analyst")));
        await _kit.IamAsync("CreateUser", ("UserName", "rev-bob"));
        await _kit.IamAsync("AddUserToGroup", ("GroupName", "rev-analysts"), ("UserName", "rev-bob"));
        await _kit.IamAsync("CreateUser", ("UserName", "rev-carol"));
        await _kit.IamAsync("AddUserToGroup", ("GroupName", "rev-analysts"), ("UserName", "rev-carol"));
        await _kit.IamAsync("PutUserPolicy", ("UserName", "rev-carol"), ("PolicyName", "deny-all"), ("PolicyDocument",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"redshift:*","Resource":"*"}]}"""));
        var trust = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{_kit.Broker.AccountId}}:root"},"Action":"sts:AssumeRole"}]}""";
        await _kit.IamAsync("CreateRole", ("RoleName", "rev-etl"), ("AssumeRolePolicyDocument", trust));
        await _kit.IamAsync("PutRolePolicy", ("RoleName", "rev-etl"), ("PolicyName", "etl"), ("PolicyDocument", Policy(cluster, "etl_*")));

        var result = await _kit.RunAsync("access-review", "--cluster", cluster, "--output", "json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        var who = json.RootElement.GetProperty("Entries").EnumerateArray().ToDictionary(
            e => e.GetProperty("DbUser").GetString()!,
            e => e.GetProperty("Principals").EnumerateArray().Select(p => $"{p.GetProperty("Type").GetString()}:{p.GetProperty("Name").GetString()}").ToArray());
        Assert.Equal(["analyst", "etl_*", "reader"], who.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["User:rev-alice"], who["reader"]);
        Assert.Equal(["User:rev-bob", "Group:rev-analysts"], who["analyst"]);
        Assert.Equal(["Role:rev-etl"], who["etl_*"]);

        var table = await _kit.RunAsync("access-review", "--cluster", cluster);
        Assert.Contains("group rev-analysts (members: rev-bob)", table.Stdout);
        Assert.Contains("etl_* (pattern)", table.Stdout);
    }

    [Fact]
    public async Task AccessReview_FederatedRole_SaysThroughWhichProviderAndClaims()
    {
        var (cluster, _) = await _kit.AddClusterAsync();
        await _kit.IamAsync("CreateOpenIDConnectProvider", ("Url", "https://ci.example:8443"), ("ClientIDList.member.1", "iamdb"));
        var provider = $"arn:aws:iam::{_kit.Broker.AccountId}:oidc-provider/ci.example:8443";
        var trust = $$$$"""
            {"Version":"2012-10-17","Statement":[{"Sid":"CI","Effect":"Allow","Principal":{"Federated":"{{{{provider}}}}"},
             "Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"ci.example:8443:sub":"repo:org/app:*"}}}]}
            """;
        await _kit.IamAsync("CreateRole", ("RoleName", "rev-ci"), ("AssumeRolePolicyDocument", trust));
        await _kit.IamAsync("PutRolePolicy", ("RoleName", "rev-ci"), ("PolicyName", "ci"), ("PolicyDocument", Policy(cluster, "ci_deploy")));

        var result = await _kit.RunAsync("access-review", "--cluster", cluster, "--output", "json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        var entry = json.RootElement.GetProperty("Entries").EnumerateArray().Single(e => e.GetProperty("DbUser").GetString() == "ci_deploy");
        var way = entry.GetProperty("Principals")[0].GetProperty("Federated")[0];
        Assert.Equal(provider, way.GetProperty("ProviderArn").GetString());
        Assert.Equal("sts:AssumeRoleWithWebIdentity", way.GetProperty("Action").GetString());
        Assert.Equal("ci.example:8443:sub StringLike repo:org/app:*", way.GetProperty("Conditions")[0].GetString());

        var table = await _kit.RunAsync("access-review", "--cluster", cluster);
        Assert.Contains("through", table.Stdout, StringComparison.Ordinal); // the table wraps long ARNs: the JSON above checks the text
    }

    [Fact]
    public async Task Revoke_OneCredential_ItsPasswordStopsWorking()
    {
        var (cluster, database) = await _kit.AddClusterAsync();
        await _kit.CreateRoleAsync("cli_revoked");
        var issued = await _kit.RunAsync("get-cluster-credentials", "--cluster-identifier", cluster, "--db-user", "cli_revoked", "--db-name", database);
        using var json = JsonDocument.Parse(issued.Stdout);
        var dbUser = json.RootElement.GetProperty("DbUser").GetString()!;
        var password = json.RootElement.GetProperty("DbPassword").GetString()!;
        Assert.True(await CanLogInAsync(dbUser, password, database));

        var revoke = await _kit.RunAsync("revoke", "--cluster", cluster, "--login-role", dbUser, "--output", "json");

        Assert.True(revoke.ExitCode == ExitCodes.Ok, revoke.ToString());
        using var revoked = JsonDocument.Parse(revoke.Stdout);
        Assert.Equal(dbUser, revoked.RootElement.GetProperty("Revoked")[0].GetProperty("DbUser").GetString());
        Assert.False(await CanLogInAsync(dbUser, password, database), "a revoked credential no longer logs in");
    }

    [Fact]
    public async Task Revoke_WithoutExactlyOneScope_IsAUsageError()
    {
        var none = await _kit.RunAsync("revoke");
        var two = await _kit.RunAsync("revoke", "--cluster", "c", "--all", "--login-role", "IAM:x");

        Assert.Equal(ExitCodes.Usage, none.ExitCode);
        Assert.Equal(ExitCodes.Usage, two.ExitCode);
        Assert.Contains("give exactly one scope", none.Stderr);
    }

    [Fact]
    public async Task DisablePasswords_DryRunThenApply_RemovesPasswordLogin()
    {
        var (cluster, database) = await _kit.AddClusterAsync();
        var role = "pw_" + Guid.NewGuid().ToString("N")[..8];
        await _kit.CreateRoleAsync(role, "Secret-" + Guid.NewGuid().ToString("N"));

        var dry = await _kit.RunAsync("clusters", "disable-passwords", cluster, "--user", role, "--dry-run", "-o", "json");
        Assert.True(dry.ExitCode == ExitCodes.Ok, dry.ToString());
        Assert.Contains(role, dry.Stdout);
        var test = await _kit.RunAsync("clusters", "test", cluster, "-o", "json");
        Assert.Contains(role, test.Stdout);

        var apply = await _kit.RunAsync("clusters", "disable-passwords", cluster, "--user", role);
        Assert.True(apply.ExitCode == ExitCodes.Ok, apply.ToString());
        var after = await _kit.RunAsync("clusters", "test", cluster, "-o", "json");
        using var json = JsonDocument.Parse(after.Stdout);
        Assert.DoesNotContain(role, json.RootElement.GetProperty("PasswordLoginUsers").EnumerateArray().Select(u => u.GetString()));
        _ = database;
    }
}
