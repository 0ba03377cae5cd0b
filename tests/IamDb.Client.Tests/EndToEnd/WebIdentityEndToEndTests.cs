using System.Text.Json;
using IamDb.Broker.Tests.Federation;
using IamDb.Client.Caching;
using IamDb.Client.Credentials;
using IamDb.Client.DataSources;
using IamDb.Client.Query;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Client.Tests.EndToEnd;

/// <summary>
/// Web-identity credentials end to end: a Kubernetes-style issuer on loopback HTTPS (registered by thumbprint with
/// <c>CreateOpenIDConnectProvider</c>), a role trusting its service accounts, a projected-token file the test rewrites as
/// the kubelet would, and the library's <see cref="WebIdentityCredentials"/> exchanging it at the real broker; then
/// <c>GetClusterCredentials</c> and an Npgsql login with the session. No access key is involved.
/// </summary>
[Collection(nameof(Support.SharedPostgresServer))]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class WebIdentityEndToEndTests(PostgresServerFixture postgres) : IAsyncLifetime
{
    private const string Role = "workload";
    private readonly string _directory = Directory.CreateTempSubdirectory("iamdb-web-identity-e2e-").FullName;
    private KubernetesStyleIssuer _issuer = null!;
    private BrokerClusters _env = null!;
    private string _roleArn = string.Empty;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string TokenFile => Path.Combine(_directory, "token");

    public async ValueTask InitializeAsync()
    {
        _issuer = await KubernetesStyleIssuer.StartAsync();
        _env = await BrokerClusters.StartAsync(postgres, clusters: 1);
        var broker = _env.Broker;
        var created = await broker.Query.CallAsync(broker.Request("iam", "CreateOpenIDConnectProvider")
            .Add("Url", _issuer.IssuerUrl).Add("ClientIDList.member.1", KubernetesStyleIssuer.Audience).Add("ThumbprintList.member.1", _issuer.Thumbprint), Ct);
        var provider = created.Result.Text("OpenIDConnectProviderArn")!;
        var trust = $$"""
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"{{provider}}"},
              "Action":"sts:AssumeRoleWithWebIdentity",
              "Condition":{"StringEquals":{"{{_issuer.HostAndPath}}:aud":"{{KubernetesStyleIssuer.Audience}}"},
                           "StringLike":{"{{_issuer.HostAndPath}}:sub":"system:serviceaccount:apps:*"} } }]}
            """;
        var role = await broker.Query.CallAsync(broker.Request("iam", "CreateRole").Add("RoleName", Role).Add("AssumeRolePolicyDocument", trust), Ct);
        _roleArn = role.Result.Text("Role", "Arn")!;
        await broker.Query.CallAsync(broker.Request("iam", "PutRolePolicy").Add("RoleName", Role).Add("PolicyName", "db").Add("PolicyDocument",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["redshift:GetClusterCredentials","redshift:CreateClusterUser","redshift:DescribeClusters"],"Resource":"*"}]}"""), Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _env.DisposeAsync();
        await _issuer.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task RotatedTokenFile_NextRefreshIsTheNewSubject_ThenClusterCredentialsAndNpgsqlLogin()
    {
        var tokenA = _issuer.Sign(_issuer.Claims("system:serviceaccount:apps:a"));
        var tokenB = _issuer.Sign(_issuer.Claims("system:serviceaccount:apps:b"));
        await WriteTokenAsync(tokenA);
        var time = new ShiftedClock();
        using var source = new WebIdentityCredentialSource(
            new WebIdentitySettings(_roleArn, TokenFile, "pod-1", _env.Broker.Endpoint, "us-east-1", null), new AwsQueryClientOptions { Time = time });
        using var sts = new AwsQueryClient(source);

        var first = await CallerArnAsync(sts);
        var sessionA = source.Current!;
        Assert.Equal($"arn:aws:sts::{_env.Broker.AccountId}:assumed-role/{Role}/pod-1", first);
        Assert.Equal("system:serviceaccount:apps:a", sessionA.Subject);

        // The kubelet replaces the projected token in place; the session in hand stays in use until it nears expiry.
        await WriteTokenAsync(tokenB);
        await CallerArnAsync(sts);
        Assert.Equal(1, source.Exchanges);
        // The source's clock jumps to within the refresh margin of the session's expiry, refreshes, and comes back
        // (the broker's clock never moved, so the new session is fresh by both).
        time.Shift = sessionA.Expiration - DateTimeOffset.UtcNow - WebIdentityCredentialSource.RefreshAhead + TimeSpan.FromSeconds(1);
        var second = await CallerArnAsync(sts);
        time.Shift = TimeSpan.Zero;
        var sessionB = source.Current!;
        Assert.Equal(2, source.Exchanges);
        Assert.Equal(first, second);
        Assert.Equal("system:serviceaccount:apps:b", sessionB.Subject);
        Assert.NotEqual(sessionA.Credentials.AccessKeyId, sessionB.Credentials.AccessKeyId);

        // The broker's own record: two exchanges, the newer one for subject b, neither holding a token.
        var exchanges = await _env.Broker.AuditAsync("sts:AssumeRoleWithWebIdentity");
        Assert.Equal(2, exchanges.Count(e => e.ErrorCode is null));
        Assert.Contains("system:serviceaccount:apps:b", exchanges[0].Json, StringComparison.Ordinal);
        Assert.Contains("system:serviceaccount:apps:a", exchanges[1].Json, StringComparison.Ordinal);
        Assert.All(exchanges, e => Assert.DoesNotContain(tokenA.Split('.')[2], e.Json, StringComparison.Ordinal));
        Assert.All(exchanges, e => Assert.DoesNotContain(tokenB.Split('.')[2], e.Json, StringComparison.Ordinal));
        var callers = await _env.Broker.AuditAsync("sts:GetCallerIdentity");
        Assert.Contains(sessionB.Credentials.AccessKeyId, callers[0].Json, StringComparison.Ordinal);

        // Database credentials with the rotated session, and a real login with them.
        var (query, _, cache) = _env.NewCache(credentials: source);
        using var _q = query;
        using var _c = cache;
        await using var dataSource = await ClusterDataSource.CreateAsync(cache, new ClusterDataSourceOptions
        {
            Credentials = new ClusterCredentialRequest { ClusterIdentifier = _env.Clusters[0].Cluster, DbUser = "k8s_worker", AutoCreate = true },
            SslMode = SslMode.Disable,
        }, Ct);
        await using var connection = await dataSource.OpenConnectionAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT session_user::text", connection);
        Assert.StartsWith("IAMA:k8s_worker:", (string)(await command.ExecuteScalarAsync(Ct))!, StringComparison.Ordinal);
        var issued = Assert.Single(await _env.Broker.AuditAsync("redshift:GetClusterCredentials"));
        Assert.Null(issued.ErrorCode);
        Assert.EndsWith($":assumed-role/{Role}/pod-1", issued.Principal, StringComparison.Ordinal);
        // Still the rotated session: no third exchange.
        Assert.Equal(2, source.Exchanges);
    }

    [Fact]
    public async Task ExpiredTokenInTheFile_ExpiredTokenException_MessageNamesTheFileNotTheToken()
    {
        var claims = _issuer.Claims("system:serviceaccount:apps:a");
        var past = DateTimeOffset.UtcNow.AddHours(-2);
        claims["iat"] = past.ToUnixTimeSeconds();
        claims["nbf"] = past.ToUnixTimeSeconds();
        claims["exp"] = past.AddMinutes(10).ToUnixTimeSeconds();
        var expired = _issuer.Sign(claims);
        await WriteTokenAsync(expired);
        var source = WebIdentityCredentials.FromTokenFile(_roleArn, TokenFile, "pod-1", _env.Broker.Endpoint, "us-east-1");

        var error = await Assert.ThrowsAsync<AwsCredentialsException>(async () => await source.GetSigningCredentialsAsync(Ct));

        Assert.Equal("ExpiredTokenException", Assert.IsType<AwsServiceException>(error.InnerException).Code);
        Assert.Contains(TokenFile, error.Message, StringComparison.Ordinal);
        Assert.Contains("has expired", error.Message, StringComparison.Ordinal);
        foreach (var part in expired.Split('.'))
        {
            Assert.DoesNotContain(part, error.Message, StringComparison.Ordinal);
        }

        var refused = Assert.Single(await _env.Broker.AuditAsync("sts:AssumeRoleWithWebIdentity"));
        Assert.Equal("ExpiredTokenException", refused.ErrorCode);
    }

    private async Task<string> CallerArnAsync(AwsQueryClient sts)
    {
        var who = await sts.CallAsync(_env.Broker.Request("sts", "GetCallerIdentity"), Ct);
        return who.Result.Text("Arn")!;
    }

    private async Task WriteTokenAsync(string token)
    {
        await File.WriteAllTextAsync(TokenFile, token, Ct);
        File.SetUnixFileMode(TokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>The system clock moved by <see cref="Shift"/> (forward and back again, which a fake clock cannot do).</summary>
    private sealed class ShiftedClock : TimeProvider
    {
        public TimeSpan Shift { get; set; }

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Shift;
    }
}
