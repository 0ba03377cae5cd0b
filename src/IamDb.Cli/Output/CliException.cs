namespace IamDb.Cli.Output;

/// <summary>A failure the user can act on: its message is printed as <c>error: …</c> and its exit code returned.</summary>
internal class CliException(string message, int exitCode = ExitCodes.Failure) : Exception(message)
{
    /// <summary>The exit code the process ends with.</summary>
    public int ExitCode { get; } = exitCode;
}

/// <summary>The command line was understood but makes no sense (exit code 2).</summary>
internal sealed class CliUsageException(string message) : CliException(message, ExitCodes.Usage);
