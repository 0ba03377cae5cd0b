using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace IamDb.Cli.Output;

/// <summary>
/// Where a command writes: a Spectre console for people (colors only on a terminal and without --no-color/NO_COLOR),
/// stdout for JSON, stderr for errors; and which format was asked for.
/// </summary>
internal sealed class CliContext
{
    /// <summary>Indented JSON with non-ASCII and <c>+</c> kept as they are (what scripts and people expect).</summary>
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public CliContext(IAnsiConsole console, TextWriter output, TextWriter error, OutputFormat format)
    {
        Console = console;
        Output = output;
        Error = error;
        Format = format;
    }

    /// <summary>The console for tables, progress and sentences.</summary>
    public IAnsiConsole Console { get; }

    /// <summary>Raw stdout (JSON, generated documents).</summary>
    public TextWriter Output { get; }

    /// <summary>stderr.</summary>
    public TextWriter Error { get; }

    /// <summary>The --output format.</summary>
    public OutputFormat Format { get; }

    /// <summary>True when the caller asked for JSON.</summary>
    public bool Json => Format == OutputFormat.Json;

    /// <summary>The context of a parsed command line, on the process's real stdout/stderr.</summary>
    public static CliContext From(ParseResult parseResult)
    {
        var noColor = parseResult.GetValue(GlobalOptions.NoColorOption)
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        var redirected = System.Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(System.Console.Out),
            Ansi = noColor || redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = noColor || redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        if (redirected)
        {
            // Scripts and logs read whole lines; do not wrap tables at 80 columns.
            console.Profile.Width = 240;
        }

        return new CliContext(console, System.Console.Out, System.Console.Error, parseResult.GetValue(GlobalOptions.OutputOption));
    }

    /// <summary>Writes a JSON value to stdout, indented, followed by a newline.</summary>
    public void WriteJson(JsonNode? node)
    {
        Output.WriteLine(node is null ? "null" : node.ToJsonString(JsonOptions));
        Output.Flush();
    }

    /// <summary>Prints <c>error: message</c> on stderr.</summary>
    public void WriteError(string message)
    {
        Error.WriteLine($"error: {message}");
        Error.Flush();
    }

    /// <summary>Runs a long step behind a spinner on a terminal; elsewhere (pipes, JSON) it just runs.</summary>
    public async Task<T> SpinAsync<T>(string status, Func<Task<T>> step)
    {
        if (Json || !Console.Profile.Capabilities.Interactive)
        {
            return await step();
        }

        return await Console.Status().Spinner(Spinner.Known.Dots).StartAsync(Markup.Escape(status), _ => step());
    }
}
