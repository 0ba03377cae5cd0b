namespace IamDb.Cli.Output;

/// <summary>The exit codes of every iamdb command (documented in --help and docs/cli.md).</summary>
internal static class ExitCodes
{
    /// <summary>Everything worked.</summary>
    public const int Ok = 0;

    /// <summary>Something failed; the message on stderr says what.</summary>
    public const int Failure = 1;

    /// <summary>The command line was wrong.</summary>
    public const int Usage = 2;

    /// <summary>The request was understood and refused by policy (AWS's AccessDenied).</summary>
    public const int AccessDenied = 3;
}
