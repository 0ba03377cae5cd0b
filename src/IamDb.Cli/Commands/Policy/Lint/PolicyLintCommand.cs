using System.CommandLine;
using System.Text.Json.Nodes;
using IamDb.Cli.Output;
using IamDb.Policy.Linting;
using IamDb.Policy.Parsing;
using IamDb.Policy.Validation;
using Spectre.Console;

namespace IamDb.Cli.Commands.Policy.Lint;

/// <summary>Validates and lints one policy file and prints each finding with its position.</summary>
internal static class PolicyLintCommand
{
    public static async Task<int> ExecuteAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        var file = parseResult.GetRequiredValue(PolicyLintCommandDefinition.FileArgument);
        var kind = parseResult.GetValue(PolicyLintCommandDefinition.KindOption);
        string json;
        try
        {
            json = file == "-" ? await Console.In.ReadToEndAsync(ct) : await File.ReadAllTextAsync(file, ct);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read {file}: {ex.Message}");
        }

        var findings = Analyze(json, kind);
        var failed = findings.Any(f => f.Severity == "error");
        if (context.Json)
        {
            context.WriteJson(new JsonObject
            {
                ["File"] = file,
                ["Valid"] = !failed,
                ["Findings"] = new JsonArray([.. findings.Select(f => (JsonNode)new JsonObject
                {
                    ["Severity"] = f.Severity,
                    ["Code"] = f.Code,
                    ["Message"] = f.Message,
                    ["Path"] = f.Path,
                    ["Line"] = f.Location?.Line,
                    ["Column"] = f.Location?.Column,
                })]),
            });
            return failed ? ExitCodes.Failure : ExitCodes.Ok;
        }

        foreach (var f in findings)
        {
            var where = f.Location is { } l ? $"{file}:{l.Line}:{l.Column}" : file;
            var color = f.Severity switch { "error" => "red", "warning" => "yellow", _ => "blue" };
            context.Console.MarkupLine(
                $"{Markup.Escape(where)}: [{color}]{f.Severity}[/] {Markup.Escape(f.Code)}: {Markup.Escape(f.Message)}"
                + (f.Path.Length > 0 ? $" [grey]({Markup.Escape(f.Path)})[/]" : string.Empty));
        }

        var errors = findings.Count(f => f.Severity == "error");
        var warnings = findings.Count(f => f.Severity == "warning");
        context.Console.MarkupLine(
            $"{Markup.Escape(file)}: {(failed ? "[red]fails[/]" : "[green]ok[/]")} — {errors} error(s), {warnings} warning(s), {findings.Count - errors - warnings} note(s).");
        return failed ? ExitCodes.Failure : ExitCodes.Ok;
    }

    /// <summary>Parse errors, size errors and lint findings of one document, in document order.</summary>
    internal static IReadOnlyList<Finding> Analyze(string json, PolicyKind kind)
    {
        var findings = new List<Finding>();
        var parsed = PolicyParser.Parse(json, kind);
        foreach (var error in parsed.Errors)
        {
            findings.Add(new Finding("error", error.Code, error.Detail is null ? error.Message : $"{error.Message}: {error.Detail}", error.Path, error.Location));
        }

        if (PolicySizeLimits.Check(json, kind) is { } size)
        {
            findings.Add(new Finding("error", size.Code, size.Message, string.Empty, null));
        }

        if (parsed.Document is { } document)
        {
            var locator = JsonPathLocator.For(json);
            foreach (var lint in PolicyLinter.Lint(document, kind))
            {
                findings.Add(new Finding(lint.Severity.ToString().ToLowerInvariant(), lint.Code, lint.Message, lint.Path, locator.Find(lint.Path)));
            }
        }

        return findings;
    }

    /// <summary>One reported problem.</summary>
    internal sealed record Finding(string Severity, string Code, string Message, string Path, SourceLocation? Location);
}
