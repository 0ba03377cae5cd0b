using System.CommandLine;

namespace IamDb.Cli.Commands.Clusters.DisablePasswords;

/// <summary><c>iamdb clusters disable-passwords</c>.</summary>
internal static class ClustersDisablePasswordsCommandDefinition
{
    public const string Name = "disable-passwords";

    public static readonly Option<string[]> UserOption = new("--user")
    {
        Description = "Only these database users (repeat, or several after one --user). Default: every ordinary user.",
        AllowMultipleArgumentsPerToken = true,
    };

    public static readonly Option<bool> DryRunOption = new("--dry-run")
    {
        Description = "Show what would change without changing it.",
    };

    public static Command Create() => ClustersCommandDefinition.Sub(
        Name,
        "Remove password login from ordinary database users (superusers and the admin are refused), so temporary credentials are the only way in.\n\n"
            + "Examples:\n  iamdb clusters disable-passwords analytics --dry-run\n  iamdb clusters disable-passwords analytics --user adam --user eve",
        ClustersDisablePasswordsCommand.ExecuteAsync, ClustersCommandDefinition.NameArgument, UserOption, DryRunOption);
}
