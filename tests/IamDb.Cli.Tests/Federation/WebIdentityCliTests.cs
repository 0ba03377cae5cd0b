using System.Text.Json;
using IamDb.Broker.Tests.Federation;
using IamDb.Cli.Output;
using IamDb.Cli.Tests.Broker;
using IamDb.Client.Query;
using IamDb.Testing;

namespace IamDb.Cli.Tests.Federation;

/// <summary>
/// The <c>iamdb</c> process as a workload runs it: only <c>AWS_WEB_IDENTITY_TOKEN_FILE</c> and <c>AWS_ROLE_ARN</c> in its
/// environment (no access key, no profile), a Kubernetes-style issuer registered at the real broker, and a saved
/// environment naming that broker. <c>iamdb url --check</c> and <c>iamdb connect</c> log in to PostgreSQL as the
/// environment's user with a session of the role, whose STS call went to the environment's broker. The broker's local
/// root profile (its data directory is the CLI's) must not be what signs.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class WebIdentityCliTests(PostgresServerFixture postgres) : IAsyncLifetime
{
    private const string ServiceAccount = "system:serviceaccount:apps:reporter";
    private BrokerKit _kit = null!;
    private KubernetesStyleIssuer _issuer = null!;
    private string _database = string.Empty;
    private string _roleArn = string.Empty;

    private string TokenFile => Path.Combine(_kit.Cli.Directory, "token");

    public async ValueTask InitializeAsync()
    {
        _kit = await BrokerKit.StartAsync(postgres);
        _issuer = await KubernetesStyleIssuer.StartAsync();
        (var cluster, _database) = await _kit.AddClusterAsync();
        var created = await _kit.IamAsync("CreateOpenIDConnectProvider",
            ("Url", _issuer.IssuerUrl), ("ClientIDList.member.1", KubernetesStyleIssuer.Audience), ("ThumbprintList.member.1", _issuer.Thumbprint));
        var provider = created.Result.Text("OpenIDConnectProviderArn")!;
        var trust = $$"""
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"{{provider}}"},
              "Action":"sts:AssumeRoleWithWebIdentity",
              "Condition":{"StringEquals":{"{{_issuer.HostAndPath}}:sub":"{{ServiceAccount}}","{{_issuer.HostAndPath}}:aud":"{{KubernetesStyleIssuer.Audience}}"} } }]}
            """;
        var role = await _kit.IamAsync("CreateRole", ("RoleName", "reporter"), ("AssumeRolePolicyDocument", trust));
        _roleArn = role.Result.Text("Role", "Arn")!;
        await _kit.IamAsync("PutRolePolicy", ("RoleName", "reporter"), ("PolicyName", "db"), ("PolicyDocument",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["redshift:GetClusterCredentials","redshift:CreateClusterUser","redshift:DescribeClusters","redshift:DescribeClusterCertificate"],"Resource":"*"}]}"""));
        var add = await _kit.Cli.RunAsync("env", "add", "k8s", "--endpoint-url", _kit.Endpoint, "--cluster", cluster, "--db-name", _database,
            "--db-user", "k8s_reporter", "--auto-create");
        Assert.True(add.ExitCode == ExitCodes.Ok, add.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        await _issuer.DisposeAsync();
        await _kit.DisposeAsync();
    }

    [Fact]
    public async Task OnlyTokenFileAndRoleArn_UrlCheckAndConnect_LogInWithTheRoleSession()
    {
        var token = _issuer.Sign(_issuer.Claims(ServiceAccount));
        await File.WriteAllTextAsync(TokenFile, token, TestContext.Current.CancellationToken);
        File.SetUnixFileMode(TokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _kit.Cli.Environment["AWS_WEB_IDENTITY_TOKEN_FILE"] = TokenFile;
        _kit.Cli.Environment["AWS_ROLE_ARN"] = _roleArn;
        _kit.Cli.Environment["AWS_ROLE_SESSION_NAME"] = "reporter-pod";
        Assert.DoesNotContain(_kit.Cli.Environment.Keys, k => k is "AWS_ACCESS_KEY_ID" or "AWS_PROFILE" or "AWS_ENDPOINT_URL_STS" or "AWS_ENDPOINT_URL");

        var check = await _kit.Cli.RunAsync("url", "k8s", "--check", "--no-cache");
        Assert.True(check.ExitCode == ExitCodes.Ok, check.ToString());
        Assert.True(check.Stderr.Contains("login ok: IAMA:k8s_reporter:", StringComparison.Ordinal), check.ToString());

        var connect = await _kit.Cli.RunAsync("connect", "k8s", "--no-cache", "--", "-X", "-A", "-t", "-c", "select current_user || '|' || current_database()");
        Assert.True(connect.ExitCode == 0, connect.ToString());
        Assert.Equal($"k8s_reporter|{_database}", connect.Stdout.Trim());
        Assert.DoesNotContain(token.Split('.')[2], check.Stdout + check.Stderr + connect.Stderr, StringComparison.Ordinal);

        // Who asked for the database credentials: the role session (not the broker's root profile in the data directory).
        var audit = await _kit.Cli.RunAsync("--output", "json", "audit", "--data-dir", _kit.Broker.DataDirectory, "--action", "redshift:GetClusterCredentials");
        Assert.True(audit.ExitCode == ExitCodes.Ok, audit.ToString());
        using var records = JsonDocument.Parse(audit.Stdout);
        var callers = records.RootElement.GetProperty("Records").EnumerateArray()
            .Select(r => r.GetProperty("userIdentity").GetProperty("arn").GetString()).ToList();
        Assert.NotEmpty(callers);
        Assert.All(callers, arn => Assert.EndsWith(":assumed-role/reporter/reporter-pod", arn, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExpiredTokenInTheFile_UrlFails_NamingTheFileAndExpiredToken()
    {
        var claims = _issuer.Claims(ServiceAccount);
        var past = DateTimeOffset.UtcNow.AddHours(-2);
        claims["iat"] = past.ToUnixTimeSeconds();
        claims["nbf"] = past.ToUnixTimeSeconds();
        claims["exp"] = past.AddMinutes(10).ToUnixTimeSeconds();
        var token = _issuer.Sign(claims);
        await File.WriteAllTextAsync(TokenFile, token, TestContext.Current.CancellationToken);
        _kit.Cli.Environment["AWS_WEB_IDENTITY_TOKEN_FILE"] = TokenFile;
        _kit.Cli.Environment["AWS_ROLE_ARN"] = _roleArn;

        var url = await _kit.Cli.RunAsync("url", "k8s", "--no-cache");

        Assert.Equal(ExitCodes.Failure, url.ExitCode);
        Assert.Contains("ExpiredTokenException", url.Stderr);
        Assert.Contains(TokenFile, url.Stderr);
        Assert.DoesNotContain(token.Split('.')[1], url.Stdout + url.Stderr, StringComparison.Ordinal);
    }
}
