using System.CommandLine;

namespace IamDb.Cli.Commands.Clusters.List;

/// <summary><c>iamdb clusters list</c>.</summary>
internal static class ClustersListCommandDefinition
{
    public const string Name = "list";

    public static Command Create() => ClustersCommandDefinition.Sub(
        Name,
        "List registered clusters.\n\nExamples:\n  iamdb clusters list\n  iamdb clusters list --output json", ClustersListCommand.ExecuteAsync);
}
