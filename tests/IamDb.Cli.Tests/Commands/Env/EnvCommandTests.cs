using System.Text.Json;
using IamDb.Cli.Output;

namespace IamDb.Cli.Tests.Commands.Env;

public class EnvCommandTests : IDisposable
{
    private readonly CliProcess _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Env_AddListRemove_RoundTripsThroughTheConfigFile()
    {
        var add = await _cli.RunAsync("env", "add", "staging", "--endpoint-url", "http://127.0.0.1:5600/", "--cluster", "local",
            "--db-name", "dev", "--db-user", "adam", "--db-groups", "readers", "writers", "--auto-create", "--duration", "1800", "--profile", "iamdb");
        Assert.True(add.ExitCode == ExitCodes.Ok, add.ToString());
        var prod = await _cli.RunAsync("env", "add", "prod", "--region", "eu-west-1", "--cluster", "analytics", "--db-user", "adam");
        Assert.True(prod.ExitCode == ExitCodes.Ok, prod.ToString());

        var list = await _cli.RunAsync("env", "list", "--output", "json");
        Assert.True(list.ExitCode == ExitCodes.Ok, list.ToString());
        using var json = JsonDocument.Parse(list.Stdout);
        var environments = json.RootElement.GetProperty("Environments").EnumerateArray().ToList();
        Assert.Equal(["prod", "staging"], environments.Select(e => e.GetProperty("Name").GetString()));
        var staging = environments[1];
        Assert.Equal("http://127.0.0.1:5600", staging.GetProperty("EndpointUrl").GetString());
        Assert.Equal("local", staging.GetProperty("ClusterIdentifier").GetString());
        Assert.Equal("dev", staging.GetProperty("DbName").GetString());
        Assert.Equal("adam", staging.GetProperty("DbUser").GetString());
        Assert.Equal(["readers", "writers"], staging.GetProperty("DbGroups").EnumerateArray().Select(g => g.GetString()));
        Assert.True(staging.GetProperty("AutoCreate").GetBoolean());
        Assert.Equal(1800, staging.GetProperty("DurationSeconds").GetInt32());
        Assert.Equal("iamdb", staging.GetProperty("Profile").GetString());
        Assert.Equal("eu-west-1", environments[0].GetProperty("Region").GetString());

        var table = await _cli.RunAsync("env", "list");
        Assert.Contains("staging", table.Stdout);
        Assert.Contains("AWS eu-west-1", table.Stdout);

        var remove = await _cli.RunAsync("env", "remove", "staging");
        Assert.True(remove.ExitCode == ExitCodes.Ok, remove.ToString());
        var after = await _cli.RunAsync("env", "list", "-o", "json");
        using var afterJson = JsonDocument.Parse(after.Stdout);
        Assert.Equal(["prod"], afterJson.RootElement.GetProperty("Environments").EnumerateArray().Select(e => e.GetProperty("Name").GetString()));
    }

    [Fact]
    public async Task EnvAdd_ExistingName_IsRefusedUnlessReplace()
    {
        await _cli.RunAsync("env", "add", "dev", "--endpoint-url", "http://127.0.0.1:1", "--cluster", "a", "--db-user", "u");

        var again = await _cli.RunAsync("env", "add", "dev", "--endpoint-url", "http://127.0.0.1:2", "--cluster", "b", "--db-user", "u");
        Assert.Equal(ExitCodes.Failure, again.ExitCode);
        Assert.Contains("exists already", again.Stderr);
        Assert.Contains("--replace", again.Stderr);

        var replaced = await _cli.RunAsync("env", "add", "dev", "--endpoint-url", "http://127.0.0.1:2", "--cluster", "b", "--db-user", "u", "--replace");
        Assert.Equal(ExitCodes.Ok, replaced.ExitCode);
        Assert.Contains("cluster = \"b\"", await File.ReadAllTextAsync(_cli.ConfigPath, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task EnvRemove_UnknownName_FailsNamingTheKnownOnes()
    {
        await _cli.RunAsync("env", "add", "dev", "--endpoint-url", "http://127.0.0.1:1", "--cluster", "a", "--db-user", "u");

        var result = await _cli.RunAsync("env", "remove", "prod");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("error: no environment named 'prod'", result.Stderr);
        Assert.Contains("known: dev", result.Stderr);
    }

    [Fact]
    public async Task EnvAdd_BrokenConfigFile_IsNotOverwritten()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_cli.ConfigPath)!);
        const string broken = "[env.dev\ncluster = \"a\"\n";
        await File.WriteAllTextAsync(_cli.ConfigPath, broken, TestContext.Current.CancellationToken);

        var result = await _cli.RunAsync("env", "add", "prod", "--region", "eu-west-1", "--cluster", "c", "--db-user", "u");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("not valid TOML", result.Stderr);
        Assert.Equal(broken, await File.ReadAllTextAsync(_cli.ConfigPath, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task EnvSelection_UnknownEnvironment_IsAnErrorForAnyCommand()
    {
        var result = await _cli.RunAsync("get-cluster-credentials", "--env", "nope");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("no environment named 'nope'", result.Stderr);
    }
}
