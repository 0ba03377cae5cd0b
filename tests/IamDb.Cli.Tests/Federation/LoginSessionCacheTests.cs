using IamDb.Cli.Commands.Login;
using IamDb.Cli.Configuration;

namespace IamDb.Cli.Tests.Federation;

/// <summary>The login session cache: 0600, one session per environment, used only while it fits the environment and lives.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LoginSessionCacheTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Directory.CreateTempSubdirectory("iamdb-login-cache-").FullName;

    private string CacheFile => Path.Combine(_directory, "cache", "iamdb", "login-sessions.json");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Save_ThenFind_SameSession_FileIsOwnerOnly()
    {
        var env = Environment("sso");
        LoginSessionCache.Save(CacheFile, Session(env, Now.AddHours(1)), Now);

        var found = LoginSessionCache.Find(CacheFile, env, Now);

        Assert.NotNull(found);
        Assert.Equal("ASIAEXAMPLE", found.AccessKeyId);
        Assert.Equal("alice", found.Subject);
        Assert.Equal(Now.AddHours(1), found.Expiration);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(CacheFile));
        Assert.DoesNotContain("not-a-real-secret-key", found.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-real-session-token", found.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Find_ExpiredOrAboutToExpire_None()
    {
        var env = Environment("sso");
        LoginSessionCache.Save(CacheFile, Session(env, Now.AddSeconds(30)), Now);

        Assert.Null(LoginSessionCache.Find(CacheFile, env, Now));
    }

    [Fact]
    public void Find_EnvironmentNowNamesAnotherRoleIssuerOrBroker_None()
    {
        var env = Environment("sso");
        LoginSessionCache.Save(CacheFile, Session(env, Now.AddHours(1)), Now);

        Assert.Null(LoginSessionCache.Find(CacheFile, env with { RoleArn = "arn:aws:iam::000000000000:role/other" }, Now));
        Assert.Null(LoginSessionCache.Find(CacheFile, env with { OidcIssuer = "https://other.test" }, Now));
        Assert.Null(LoginSessionCache.Find(CacheFile, env with { EndpointUrl = "https://127.0.0.1:1" }, Now));
        Assert.Null(LoginSessionCache.Find(CacheFile, env with { Name = "other" }, Now));
    }

    [Fact]
    public void Remove_ForgetsOnlyThatEnvironment()
    {
        var sso = Environment("sso");
        var prod = Environment("prod");
        LoginSessionCache.Save(CacheFile, Session(sso, Now.AddHours(1)), Now);
        LoginSessionCache.Save(CacheFile, Session(prod, Now.AddHours(1)), Now);

        Assert.True(LoginSessionCache.Remove(CacheFile, "sso"));
        Assert.False(LoginSessionCache.Remove(CacheFile, "sso"));

        Assert.Null(LoginSessionCache.Find(CacheFile, sso, Now));
        Assert.NotNull(LoginSessionCache.Find(CacheFile, prod, Now));
    }

    [Fact]
    public void Find_DamagedFile_None()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(CacheFile)!);
        File.WriteAllText(CacheFile, "{ not json");

        Assert.Null(LoginSessionCache.Find(CacheFile, Environment("sso"), Now));
    }

    private static CliEnvironment Environment(string name) => new(
        name, "http://127.0.0.1:5600", null, "c1", null, "IAMR:analyst", [], false, null, null, null,
        "https://idp.test", "iamdb", "arn:aws:iam::000000000000:role/analyst");

    private static LoginSession Session(CliEnvironment env, DateTimeOffset expires) => new(
        env.Name, env.EndpointUrl!, env.OidcIssuer!, env.RoleArn!, "arn:aws:sts::000000000000:assumed-role/analyst/alice", "alice",
        "ASIAEXAMPLE", "not-a-real-secret-key", "not-a-real-session-token", expires);
}
