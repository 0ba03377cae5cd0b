using System.CommandLine;
using System.Diagnostics;
using IamDb.Cli.Output;
using Spectre.Console;

namespace IamDb.Cli.Commands.SelfCheck;

/// <summary>Runs each self-check step, says what it checks and what it saw, and fails if any step fails.</summary>
internal sealed class SelfCheckCommand(ParseResult parseResult, IAnsiConsole? console = null)
{
    private readonly IAnsiConsole _console = console ?? AnsiConsole.Console;

    public async Task<int> ExecuteAsync(CancellationToken ct)
    {
        var steps = SelfCheckSteps.All(skipPostgres: parseResult.GetValue(SelfCheckCommandDefinition.SkipPostgresOption));
        _console.MarkupLine("[bold]IamDb self-check[/]: the protocol core, step by step.");
        _console.WriteLine();

        var failed = 0;
        var total = Stopwatch.StartNew();
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            _console.MarkupLineInterpolated($"[bold]{i + 1}. {step.Title}[/]");
            _console.MarkupLineInterpolated($"   [grey]{step.Explanation}[/]");
            var watch = Stopwatch.StartNew();
            try
            {
                var detail = await step.Run(ct);
                _console.MarkupLineInterpolated($"   [green]ok[/] {detail} [grey]({watch.ElapsedMilliseconds} ms)[/]");
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (ex is SelfCheckFailedException or InvalidOperationException or IOException
                or Postgres.LocalServer.LocalPostgresException)
            {
                failed++;
                _console.MarkupLineInterpolated($"   [red]FAILED[/] {ex.Message}");
            }

            _console.WriteLine();
        }

        if (failed == 0)
        {
            _console.MarkupLineInterpolated($"[green]All {steps.Count} steps passed[/] in {total.Elapsed.TotalSeconds:0.0} s.");
            return ExitCodes.Ok;
        }

        _console.MarkupLineInterpolated($"[red]{failed} of {steps.Count} steps failed.[/]");
        return ExitCodes.Failure;
    }
}

/// <summary>One self-check step: what it is, why it matters, and the check, which returns what it saw.</summary>
internal sealed record SelfCheckStep(string Title, string Explanation, Func<CancellationToken, Task<string>> Run);

/// <summary>A self-check step saw something other than what it should have.</summary>
internal sealed class SelfCheckFailedException(string message) : Exception(message);
