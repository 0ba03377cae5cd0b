using IamDb.Cli.Commands.SelfCheck;
using IamDb.Cli.Output;
using Spectre.Console;

namespace IamDb.Cli.Tests.Commands.SelfCheck;

public class SelfCheckCommandTests
{
    [Fact]
    public async Task ExecuteAsync_OnThisMachine_PassesEveryStepAndExitsZero()
    {
        var (exitCode, output) = await RunAsync("selfcheck");

        Assert.True(exitCode == ExitCodes.Ok, output);
        Assert.Contains("matches AWS's example", output);
        Assert.Contains("refused a changed body, a wrong secret, an unknown key and a skewed clock", output);
        Assert.Contains("accepted a SCRAM login", output);
        Assert.Contains("admin denied explicitly", output);
        Assert.Contains("All 6 steps passed", output);
    }

    [Fact]
    public async Task ExecuteAsync_SkipPostgres_RunsOnlyTheProtocolSteps()
    {
        var (exitCode, output) = await RunAsync("selfcheck", "--skip-postgres");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.DoesNotContain("PostgreSQL", output);
        Assert.Contains("All 5 steps passed", output);
    }

    [Fact]
    public async Task Parse_UnknownOption_IsAUsageError()
    {
        var root = Program.CreateRootCommand();
        var result = root.Parse(["selfcheck", "--no-such-option"]);
        Assert.NotEmpty(result.Errors);
        var exitCode = await result.InvokeAsync(new() { Output = new StringWriter(), Error = new StringWriter() }, TestContext.Current.CancellationToken);
        Assert.NotEqual(ExitCodes.Ok, exitCode);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
        });
        console.Profile.Width = 1000; // no wrapping, so assertions see whole sentences
        var parse = Program.CreateRootCommand().Parse(args);
        var exitCode = await new SelfCheckCommand(parse, console).ExecuteAsync(TestContext.Current.CancellationToken);
        return (exitCode, writer.ToString());
    }
}
