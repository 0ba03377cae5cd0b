using System.CommandLine;

namespace IamDb.Cli.Commands.Clusters.Remove;

/// <summary><c>iamdb clusters remove</c>.</summary>
internal static class ClustersRemoveCommandDefinition
{
    public const string Name = "remove";

    public static Command Create() => ClustersCommandDefinition.Sub(
        Name,
        "Deregister a cluster: its live credentials are revoked first (sessions ended, login roles dropped). The server is otherwise unchanged.\n\nExample:\n  iamdb clusters remove analytics",
        ClustersRemoveCommand.ExecuteAsync, ClustersCommandDefinition.NameArgument);
}
