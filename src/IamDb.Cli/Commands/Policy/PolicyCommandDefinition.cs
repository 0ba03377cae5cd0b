using System.CommandLine;
using IamDb.Cli.Commands.Policy.Generate;
using IamDb.Cli.Commands.Policy.Lint;
using IamDb.Cli.Commands.Policy.Simulate;

namespace IamDb.Cli.Commands.Policy;

/// <summary><c>iamdb policy lint|generate|simulate</c>: IAM policy tools.</summary>
internal static class PolicyCommandDefinition
{
    public const string Name = "policy";

    public static Command Create()
    {
        var command = new Command(
            Name,
            "IAM policy tools: check a policy file, write the least-privilege policy for a database access, and ask the "
            + "broker (or AWS) why a principal may or may not do something.\n\n"
            + "Examples:\n"
            + "  iamdb policy lint policy.json\n"
            + "  iamdb policy generate --cluster analytics --db-user adam --db-name dev --region eu-west-1 --account 123456789012\n"
            + "  iamdb policy simulate --principal adam --action redshift:GetClusterCredentials --resource arn:aws:redshift:us-east-1:123456789012:dbuser:local/adam");
        command.Subcommands.Add(PolicyLintCommandDefinition.Create());
        command.Subcommands.Add(PolicyGenerateCommandDefinition.Create());
        command.Subcommands.Add(PolicySimulateCommandDefinition.Create());
        return command;
    }
}
