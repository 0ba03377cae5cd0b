using IamDb.Client.Caching;
using IamDb.Client.Tests.Support;

namespace IamDb.Client.Tests.Caching;

/// <summary>The per-user cache file that lets consecutive CLI runs reuse a credential.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PersistentCredentialFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("iamdb-client-cachefile-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string CachePath => Path.Combine(_directory, "nested", "credentials.json");

    private static ReplayServer Server() => new(_ =>
    {
        var now = DateTimeOffset.UtcNow;
        return Task.FromResult(new ReplayAnswer(200, ReplayServer.CredentialsXml("IAM:adam", "stored-" + Guid.NewGuid().ToString("N"), now.AddMinutes(15)), now));
    });

    [Fact]
    public async Task ASecondProcess_ReusesTheStoredCredential_WithoutAnApiCall()
    {
        await using var server = Server();
        string password;
        using (var first = new CacheHarness(server.Endpoint, new ClusterCredentialCacheOptions { PersistentCacheFile = CachePath }))
        {
            password = (await first.Cache.GetAsync(CacheHarness.Adam, Ct)).DbPassword;
        }

        using var second = new CacheHarness(server.Endpoint, new ClusterCredentialCacheOptions { PersistentCacheFile = CachePath });
        var reused = await second.Cache.GetAsync(CacheHarness.Adam, Ct);

        Assert.Equal(password, reused.DbPassword);
        Assert.Equal(1, server.Calls);
        Assert.Equal(0, second.Cache.Statistics.ApiCalls);
    }

    [Fact]
    public async Task TheFileIsOwnerOnly_AndItsDirectoryToo()
    {
        await using var server = Server();
        using var harness = new CacheHarness(server.Endpoint, new ClusterCredentialCacheOptions { PersistentCacheFile = CachePath });

        await harness.Cache.GetAsync(CacheHarness.Adam, Ct);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(CachePath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(CachePath)!));
        var text = await File.ReadAllTextAsync(CachePath, Ct);
        Assert.Contains("\"format\": \"iamdb-credential-cache\"", text);
        Assert.Contains("\"version\": 1", text);
    }

    [Fact]
    public async Task AFileOthersCanRead_IsNotTrusted_AndIsReplacedOwnerOnly()
    {
        await using var server = Server();
        using (var first = new CacheHarness(server.Endpoint, new ClusterCredentialCacheOptions { PersistentCacheFile = CachePath }))
        {
            await first.Cache.GetAsync(CacheHarness.Adam, Ct);
        }

        File.SetUnixFileMode(CachePath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        using var second = new CacheHarness(server.Endpoint, new ClusterCredentialCacheOptions { PersistentCacheFile = CachePath });
        await second.Cache.GetAsync(CacheHarness.Adam, Ct);

        Assert.Equal(2, server.Calls);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(CachePath));
    }

    [Fact]
    public async Task AnotherFormatVersion_OrADamagedFile_IsACacheMiss()
    {
        await using var server = Server();
        Directory.CreateDirectory(Path.GetDirectoryName(CachePath)!);
        File.WriteAllText(CachePath, """{"format":"iamdb-credential-cache","version":2,"entries":[]}""");
        File.SetUnixFileMode(CachePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using (var harness = new CacheHarness(server.Endpoint, new ClusterCredentialCacheOptions { PersistentCacheFile = CachePath }))
        {
            await harness.Cache.GetAsync(CacheHarness.Adam, Ct);
        }

        File.WriteAllText(CachePath, "{ not json");
        using (var harness = new CacheHarness(server.Endpoint, new ClusterCredentialCacheOptions { PersistentCacheFile = CachePath }))
        {
            await harness.Cache.GetAsync(CacheHarness.Adam, Ct);
        }

        Assert.Equal(2, server.Calls);
    }

    [Fact]
    public async Task AnInvalidatedCredential_IsRemovedFromTheFile()
    {
        await using var server = Server();
        using (var first = new CacheHarness(server.Endpoint, new ClusterCredentialCacheOptions { PersistentCacheFile = CachePath }))
        {
            var source = first.Cache.GetSource(CacheHarness.Adam);
            var credential = await source.GetAsync(Ct);
            source.Invalidate(credential);
            Assert.DoesNotContain(credential.DbPassword, await File.ReadAllTextAsync(CachePath, Ct));
        }

        using var second = new CacheHarness(server.Endpoint, new ClusterCredentialCacheOptions { PersistentCacheFile = CachePath });
        await second.Cache.GetAsync(CacheHarness.Adam, Ct);
        Assert.Equal(2, server.Calls);
    }

    [Fact]
    public void TheDefaultPath_FollowsXdgCacheHome()
    {
        var path = PersistentCredentialFile.DefaultPath();

        Assert.EndsWith(Path.Combine("iamdb", "credentials.json"), path);
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        Assert.StartsWith(string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache") : xdg, path);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
