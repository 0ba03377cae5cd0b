using System.Text.Json;
using IamDb.Aws.Signing;
using IamDb.Broker.Tests.Support;
using IamDb.Testing;

namespace IamDb.Broker.Tests.Actions.Redshift;

/// <summary>
/// The story of the blog post this product comes from, end to end with real clients: the platform team creates a policy,
/// a group, user adam and his key with the aws CLI (and with boto3); adam finds the cluster with describe-clusters, gets a
/// temporary password with get-cluster-credentials, and the real psql logs in with it as adam.
/// </summary>
public sealed class RedshiftStoryCompatibilityTests(PostgresServerFixture postgres)
{
    private const string Policy = """
        {"Version":"2012-10-17","Statement":[
          {"Sid":"Creds","Effect":"Allow","Action":["redshift:GetClusterCredentials","redshift:CreateClusterUser","redshift:JoinGroup"],
           "Resource":["arn:aws:redshift:us-east-1:*:dbuser:clusterA/${aws:username}","arn:aws:redshift:us-east-1:*:dbname:clusterA/dbA",
                       "arn:aws:redshift:us-east-1:*:dbgroup:clusterA/analysts"]},
          {"Sid":"Find","Effect":"Allow","Action":"redshift:DescribeClusters","Resource":"*"}]}
        """;

    [Fact]
    public async Task AwsCli_BlogPostStory_PsqlLogsInAsAdam()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        await kit.EnsureRoleAsync("adam");
        await kit.EnsureDatabaseAsync("dbA");
        var broker = kit.Broker;
        var admin = broker.Cli();
        var policyFile = Path.Combine(Path.GetTempPath(), $"iamdb-redshift-policy-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(policyFile, Policy, ct);
        try
        {
            var policyArn = (await admin.RunAsync(["iam", "create-policy", "--policy-name", "redshift-temp-creds", "--policy-document", "file://" + policyFile], ct))
                .Json().GetProperty("Policy").GetProperty("Arn").GetString()!;
            (await admin.RunAsync("iam create-group --group-name dbusers", ct)).Json();
            (await admin.RunAsync(["iam", "attach-group-policy", "--group-name", "dbusers", "--policy-arn", policyArn], ct)).Json();
            (await admin.RunAsync("iam create-user --user-name adam", ct)).Json();
            (await admin.RunAsync("iam add-user-to-group --group-name dbusers --user-name adam", ct)).Json();
            var key = (await admin.RunAsync("iam create-access-key --user-name adam", ct)).Json().GetProperty("AccessKey");
            var adam = broker.Cli(new SigningCredentials(key.GetProperty("AccessKeyId").GetString()!, key.GetProperty("SecretAccessKey").GetString()!));

            var clusters = (await adam.RunAsync("redshift describe-clusters", ct)).Json().GetProperty("Clusters");
            var cluster = Assert.Single(clusters.EnumerateArray());
            Assert.Equal("clusterA", cluster.GetProperty("ClusterIdentifier").GetString());
            Assert.Equal("available", cluster.GetProperty("ClusterStatus").GetString());
            Assert.Equal(kit.Host, cluster.GetProperty("Endpoint").GetProperty("Address").GetString());
            Assert.Equal(kit.Port, cluster.GetProperty("Endpoint").GetProperty("Port").GetInt32());
            Assert.Equal("postgres", cluster.GetProperty("DBName").GetString());
            Assert.Equal("postgres", cluster.GetProperty("MasterUsername").GetString());
            Assert.True(cluster.TryGetProperty("ClusterCreateTime", out _));

            var credentials = (await adam.RunAsync("redshift get-cluster-credentials --cluster-identifier clusterA --db-user adam --db-name dbA", ct)).Json();
            var dbUser = credentials.GetProperty("DbUser").GetString()!;
            var password = credentials.GetProperty("DbPassword").GetString()!;
            var expiration = DateTimeOffset.Parse(credentials.GetProperty("Expiration").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.StartsWith("IAM:", dbUser, StringComparison.Ordinal);
            Assert.True(password.Length >= 32, "the password carries at least 32 characters");
            Assert.InRange(expiration - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(13), TimeSpan.FromMinutes(16)); // default 900 s

            var (exit, stdout, stderr) = await Psql(kit, dbUser, password, "dbA", "select current_user");
            Assert.True(exit == 0, "psql failed: " + stderr.Replace(password, "[password]", StringComparison.Ordinal));
            Assert.Equal("adam", stdout.Trim());

            // Another database refuses the login: the credential is scoped to dbA.
            var other = await Psql(kit, dbUser, password, "postgres", "select 1");
            Assert.NotEqual(0, other.ExitCode);

            var denied = await adam.RunAsync("redshift get-cluster-credentials --cluster-identifier clusterA --db-user postgres", ct);
            Assert.NotEqual(0, denied.ExitCode);
            Assert.Contains("AccessDenied", denied.Stderr, StringComparison.Ordinal);
            Assert.Contains(
                $"User: arn:aws:iam::{broker.AccountId}:user/adam is not authorized to perform: redshift:GetClusterCredentials on resource: "
                + $"arn:aws:redshift:us-east-1:{broker.AccountId}:dbuser:clusterA/postgres",
                denied.Stderr,
                StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(policyFile);
        }
    }

    [Fact]
    public async Task Boto3_BlogPostStory_PsqlLogsInAsAdam()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        await kit.EnsureRoleAsync("adam");
        await kit.EnsureDatabaseAsync("dbA");
        const string script = """
            import json, os, boto3
            from botocore.config import Config
            url, cfg = os.environ["IAMDB_URL"], Config(retries={"max_attempts": 1})
            iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1", config=cfg)
            p = iam.create_policy(PolicyName="redshift-temp-creds", PolicyDocument=os.environ["POLICY"])["Policy"]
            iam.create_group(GroupName="dbusers")
            iam.attach_group_policy(GroupName="dbusers", PolicyArn=p["Arn"])
            iam.create_user(UserName="adam")
            iam.add_user_to_group(GroupName="dbusers", UserName="adam")
            k = iam.create_access_key(UserName="adam")["AccessKey"]
            adam = boto3.session.Session(aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"], region_name="us-east-1")
            rs = adam.client("redshift", endpoint_url=url, config=cfg)
            c = rs.describe_clusters(ClusterIdentifier="clusterA")["Clusters"][0]
            creds = rs.get_cluster_credentials(ClusterIdentifier="clusterA", DbUser="adam", DbName="dbA", DbGroups=[], DurationSeconds=1800)
            out = {"address": c["Endpoint"]["Address"], "port": c["Endpoint"]["Port"], "status": c["ClusterStatus"],
                   "user": creds["DbUser"], "password": creds["DbPassword"], "seconds": (creds["Expiration"] - c["ClusterCreateTime"]).total_seconds()}
            print(json.dumps(out))
            """;
        var (exit, stdout, stderr) = await ProcessRunner.RunAsync(
            "/usr/bin/python3",
            ["-c", script],
            new Dictionary<string, string>
            {
                ["IAMDB_URL"] = kit.Broker.Endpoint,
                ["POLICY"] = Policy,
                ["AWS_ACCESS_KEY_ID"] = kit.Broker.Root.AccessKeyId,
                ["AWS_SECRET_ACCESS_KEY"] = kit.Broker.Root.SecretAccessKey,
                ["AWS_CONFIG_FILE"] = "/dev/null",
                ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null",
            });
        Assert.True(exit == 0, stderr);
        var result = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(kit.Host, result.GetProperty("address").GetString());
        Assert.Equal(kit.Port, result.GetProperty("port").GetInt32());
        Assert.Equal("available", result.GetProperty("status").GetString());
        Assert.InRange(result.GetProperty("seconds").GetDouble(), 1700, 1900); // botocore parsed both timestamps; 1800 s asked
        var user = result.GetProperty("user").GetString()!;
        var password = result.GetProperty("password").GetString()!;
        var psql = await Psql(kit, user, password, "dbA", "select current_user");
        Assert.True(psql.ExitCode == 0, "psql failed: " + psql.Stderr.Replace(password, "[password]", StringComparison.Ordinal));
        Assert.Equal("adam", psql.Stdout.Trim());
    }

    /// <summary>The real psql; the password travels in PGPASSWORD, never on the command line.</summary>
    internal static Task<(int ExitCode, string Stdout, string Stderr)> Psql(RedshiftTestKit kit, string user, string password, string database, string sql) =>
        ProcessRunner.RunAsync(
            "/usr/bin/psql",
            ["-X", "-w", "-h", kit.Host, "-p", kit.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", user, "-d", database, "-tA", "-c", sql],
            new Dictionary<string, string> { ["PGPASSWORD"] = password, ["PGSSLMODE"] = "prefer", ["PGCONNECT_TIMEOUT"] = "10" });
}
