using System.CommandLine;

namespace IamDb.Cli.Commands.Clusters.Test;

/// <summary><c>iamdb clusters test</c>.</summary>
internal static class ClustersTestCommandDefinition
{
    public const string Name = "test";

    public static Command Create() => ClustersCommandDefinition.Sub(
        Name,
        "Connect to a cluster as its admin and report the server version, databases, and the users that can still log in with a password.\n\nExample:\n  iamdb clusters test analytics",
        ClustersTestCommand.ExecuteAsync, ClustersCommandDefinition.NameArgument);
}
