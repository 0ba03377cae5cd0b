using IamDb.Cli.Output;

namespace IamDb.Cli.Tests.Commands.Docs;

public class CliReferenceTests : IDisposable
{
    private readonly CliProcess _cli = new();

    public void Dispose() => _cli.Dispose();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "IamDb.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("IamDb.slnx not found above the test output directory.");
    }

    [Fact]
    public async Task CommittedReference_EqualsWhatTheCommandDefinitionsGenerate()
    {
        var generated = await _cli.RunAsync("docs", "--markdown");
        Assert.True(generated.ExitCode == ExitCodes.Ok, generated.ToString());

        var committed = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "docs", "cli-reference.md"), TestContext.Current.CancellationToken);

        // On a difference: ./iamdb docs --markdown > docs/cli-reference.md
        Assert.True(committed == generated.Stdout, "docs/cli-reference.md is stale: regenerate it with ./iamdb docs --markdown > docs/cli-reference.md");
    }

    [Fact]
    public async Task Reference_ListsEveryVisibleCommandWithItsOptions()
    {
        var generated = await _cli.RunAsync("docs", "--markdown");

        foreach (var heading in new[] { "## iamdb env add", "## iamdb get-cluster-credentials", "## iamdb policy simulate", "## iamdb access-review", "## iamdb clusters add" })
        {
            Assert.Contains(heading + "\n", generated.Stdout);
        }

        Assert.Contains("| `--admin-password-env` |", generated.Stdout);
        Assert.Contains("| `--output`, `-o` |", generated.Stdout);
        Assert.DoesNotContain("## iamdb docs", generated.Stdout);
    }
}
