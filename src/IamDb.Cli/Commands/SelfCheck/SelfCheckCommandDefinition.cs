using System.CommandLine;

namespace IamDb.Cli.Commands.SelfCheck;

/// <summary><c>iamdb selfcheck</c>: runs IamDb's protocol core end to end on this machine.</summary>
internal static class SelfCheckCommandDefinition
{
    public const string Name = "selfcheck";

    public static readonly Option<bool> SkipPostgresOption = new("--skip-postgres")
    {
        Description = "Do not start a throwaway PostgreSQL server (for machines without its server binaries).",
    };

    public static Command Create()
    {
        var command = new Command(
            Name,
            "Check IamDb's protocol core on this machine, explaining each step: SigV4 signing and verification "
            + "(AWS's published test vector, a round trip, tampering), the AWS Query protocol, ARNs, the IAM policy "
            + "engine, and a throwaway PostgreSQL server with SCRAM authentication.\n\n"
            + "Examples:\n  iamdb selfcheck\n  iamdb selfcheck --skip-postgres\n\nExits 0 only when every step did what it should.");
        command.Options.Add(SkipPostgresOption);
        command.SetAction((parseResult, ct) => new SelfCheckCommand(parseResult).ExecuteAsync(ct));
        return command;
    }
}
