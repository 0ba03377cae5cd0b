using System.Globalization;
using System.Text.Json;
using IamDb.Broker.Tests.Actions.Redshift;
using IamDb.Broker.Tests.Support;
using IamDb.Testing;

namespace IamDb.Broker.Tests.Federation;

/// <summary>
/// Real clients, unchanged, against the real broker: a Kubernetes-style projected token exchanged with aws CLI v2's
/// <c>sts assume-role-with-web-identity</c> and with boto3's web-identity credential provider
/// (<c>AWS_WEB_IDENTITY_TOKEN_FILE</c> + <c>AWS_ROLE_ARN</c>, STS at <c>AWS_ENDPOINT_URL_STS</c>); the session then gets
/// database credentials with <c>redshift get-cluster-credentials</c> and logs in with <c>psql</c>. No access key anywhere.
/// </summary>
public sealed class WebIdentityRealClientTests(PostgresServerFixture postgres)
{
    private const string ServiceAccount = "system:serviceaccount:ci:builder";

    private const string CredentialsPolicy = """
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["redshift:GetClusterCredentials","redshift:CreateClusterUser"],"Resource":"*"}]}
        """;

    [Fact]
    public async Task AwsCli_ExchangesTheToken_ThenGetsClusterCredentials_AndPsqlLogsIn()
    {
        await using var issuer = await KubernetesStyleIssuer.StartAsync();
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var provider = await WebIdentityFederationTests.RegisterAsync(kit.Broker, issuer);
        var role = await StoreSeed.RoleAsync(kit.Broker, "ci-cli", WebIdentityFederationTests.TrustPolicy(provider, issuer, ServiceAccount), 3600, CredentialsPolicy);
        using var tokenFile = new TokenFile(issuer.Sign(issuer.Claims()));
        var dbUser = "fedcli" + Guid.NewGuid().ToString("N")[..8];

        var (exit, stdout, stderr) = await ProcessRunner.RunAsync(AwsCli.Path,
            ["--endpoint-url", kit.Broker.Endpoint, "--output", "json", "sts", "assume-role-with-web-identity", "--role-arn", role.Arn,
             "--role-session-name", "cli-run", "--web-identity-token", "file://" + tokenFile.Path],
            NoAwsConfiguration());
        Assert.True(exit == 0, stderr);
        using var assumed = JsonDocument.Parse(stdout);
        var result = assumed.RootElement;
        Assert.Equal(ServiceAccount, result.GetProperty("SubjectFromWebIdentityToken").GetString());
        Assert.Equal(issuer.IssuerUrl, result.GetProperty("Provider").GetString());
        Assert.Equal(KubernetesStyleIssuer.Audience, result.GetProperty("Audience").GetString());
        Assert.Equal($"arn:aws:sts::{kit.Broker.AccountId}:assumed-role/ci-cli/cli-run", result.GetProperty("AssumedRoleUser").GetProperty("Arn").GetString());
        var credentials = result.GetProperty("Credentials");

        var session = NoAwsConfiguration();
        session["AWS_ACCESS_KEY_ID"] = credentials.GetProperty("AccessKeyId").GetString()!;
        session["AWS_SECRET_ACCESS_KEY"] = credentials.GetProperty("SecretAccessKey").GetString()!;
        session["AWS_SESSION_TOKEN"] = credentials.GetProperty("SessionToken").GetString()!;
        var (credExit, credOut, credErr) = await ProcessRunner.RunAsync(AwsCli.Path,
            ["--endpoint-url", kit.Broker.Endpoint, "--output", "json", "redshift", "get-cluster-credentials", "--cluster-identifier", kit.ClusterId,
             "--db-user", dbUser, "--db-name", "postgres", "--auto-create"],
            session);
        Assert.True(credExit == 0, credErr);
        using var dbCredentials = JsonDocument.Parse(credOut);

        var login = await PsqlAsync(kit, dbCredentials.RootElement.GetProperty("DbUser").GetString()!, dbCredentials.RootElement.GetProperty("DbPassword").GetString()!);
        Assert.True(login.ExitCode == 0, login.Stderr);
        Assert.Equal(dbUser, login.Stdout.Trim());
    }

    [Fact]
    public async Task Boto3_WebIdentityProvider_ReadsTheTokenFile_ThenGetsClusterCredentials_AndPsqlLogsIn()
    {
        await using var issuer = await KubernetesStyleIssuer.StartAsync();
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var provider = await WebIdentityFederationTests.RegisterAsync(kit.Broker, issuer);
        var role = await StoreSeed.RoleAsync(kit.Broker, "ci-boto", WebIdentityFederationTests.TrustPolicy(provider, issuer, ServiceAccount), 3600, CredentialsPolicy);
        using var tokenFile = new TokenFile(issuer.Sign(issuer.Claims()));
        var dbUser = "fedboto" + Guid.NewGuid().ToString("N")[..8];

        // The script prints only the caller's ARN and psql's answer: the password goes from boto3 to psql's environment.
        const string script = """
            import json, os, subprocess, boto3
            session = boto3.Session(region_name="us-east-1")
            arn = session.client("sts").get_caller_identity()["Arn"]
            creds = session.client("redshift").get_cluster_credentials(
                ClusterIdentifier=os.environ["CLUSTER"], DbUser=os.environ["DB_USER"], DbName="postgres", AutoCreate=True)
            env = dict(os.environ, PGPASSWORD=creds["DbPassword"])
            psql = subprocess.run(["psql", "-h", os.environ["PGHOST"], "-p", os.environ["PGPORT"], "-U", creds["DbUser"], "-d", "postgres",
                                   "-tAc", "select current_user"], env=env, capture_output=True, text=True)
            print(json.dumps({"arn": arn, "exit": psql.returncode, "current_user": psql.stdout.strip(), "psql_error": psql.stderr.strip()}))
            """;
        var environment = NoAwsConfiguration();
        environment["AWS_WEB_IDENTITY_TOKEN_FILE"] = tokenFile.Path;
        environment["AWS_ROLE_ARN"] = role.Arn;
        environment["AWS_ROLE_SESSION_NAME"] = "boto-run";
        environment["AWS_ENDPOINT_URL_STS"] = kit.Broker.Endpoint;
        environment["AWS_ENDPOINT_URL_REDSHIFT"] = kit.Broker.Endpoint;
        environment["CLUSTER"] = kit.ClusterId;
        environment["DB_USER"] = dbUser;
        environment["PGHOST"] = kit.Host;
        environment["PGPORT"] = kit.Port.ToString(CultureInfo.InvariantCulture);

        var (exit, stdout, stderr) = await ProcessRunner.RunAsync("python3", ["-c", script], environment);

        Assert.True(exit == 0, stderr);
        using var output = JsonDocument.Parse(stdout);
        Assert.Equal($"arn:aws:sts::{kit.Broker.AccountId}:assumed-role/ci-boto/boto-run", output.RootElement.GetProperty("arn").GetString());
        Assert.True(output.RootElement.GetProperty("exit").GetInt32() == 0, output.RootElement.GetProperty("psql_error").GetString());
        Assert.Equal(dbUser, output.RootElement.GetProperty("current_user").GetString());
    }

    private static Dictionary<string, string> NoAwsConfiguration() => new()
    {
        ["AWS_CONFIG_FILE"] = "/dev/null",
        ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null",
        ["AWS_DEFAULT_REGION"] = "us-east-1",
    };

    private static Task<(int ExitCode, string Stdout, string Stderr)> PsqlAsync(RedshiftTestKit kit, string user, string password) =>
        ProcessRunner.RunAsync("psql",
            ["-h", kit.Host, "-p", kit.Port.ToString(CultureInfo.InvariantCulture), "-U", user, "-d", "postgres", "-tAc", "select current_user"],
            new Dictionary<string, string> { ["PGPASSWORD"] = password });

    /// <summary>A projected-token file as Kubernetes mounts it (0600 here), deleted afterwards.</summary>
    private sealed class TokenFile : IDisposable
    {
        public TokenFile(string token)
        {
            Path = System.IO.Path.Combine(Directory.CreateTempSubdirectory("iamdb-token-").FullName, "token");
            File.WriteAllText(Path, token);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        public string Path { get; }

        public void Dispose() => Directory.Delete(System.IO.Path.GetDirectoryName(Path)!, recursive: true);
    }
}
