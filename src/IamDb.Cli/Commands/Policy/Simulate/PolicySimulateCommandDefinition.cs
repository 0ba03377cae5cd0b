using System.CommandLine;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.Policy.Simulate;

/// <summary><c>iamdb policy simulate</c>.</summary>
internal static class PolicySimulateCommandDefinition
{
    public const string Name = "simulate";

    public static readonly Option<string> PrincipalOption = new("--principal")
    {
        Description = "The user or role: an ARN, a user name, or role/NAME.",
        Required = true,
    };

    public static readonly Option<string[]> ActionOption = new("--action")
    {
        Description = "Action(s) to simulate, e.g. redshift:GetClusterCredentials.",
        Required = true,
        AllowMultipleArgumentsPerToken = true,
    };

    public static readonly Option<string[]> ResourceOption = new("--resource")
    {
        Description = "Resource ARN(s). Default: *.",
        AllowMultipleArgumentsPerToken = true,
    };

    public static readonly Option<string[]> ContextOption = new("--context")
    {
        Description = "Context key values, KEY=VALUE (repeat for several), e.g. redshift:DbUser=adam.",
    };

    public static Command Create()
    {
        var command = new Command(
            Name,
            "Ask IAM (SimulatePrincipalPolicy, on the broker or AWS) whether a principal may perform an action on a "
            + "resource, and explain the decision statement by statement: which statements matched, whether a boundary "
            + "stopped it, and which context keys the policies wanted but the simulation did not have.\n\n"
            + "Examples:\n"
            + "  iamdb policy simulate --principal adam --action redshift:GetClusterCredentials \\\n"
            + "      --resource arn:aws:redshift:us-east-1:123456789012:dbuser:local/adam --context redshift:DbUser=adam\n"
            + "  iamdb policy simulate --principal role/etl --action redshift:JoinGroup --resource arn:aws:redshift:us-east-1:123456789012:dbgroup:local/loaders\n"
            + "  iamdb policy simulate --principal arn:aws:iam::123456789012:user/adam --action iam:CreateUser --output json\n\n"
            + "Exit code 0 when every action is allowed, 3 when any is denied.");
        command.Options.Add(PrincipalOption);
        command.Options.Add(ActionOption);
        command.Options.Add(ResourceOption);
        command.Options.Add(ContextOption);
        command.SetAction(CommandRunner.Action(PolicySimulateCommand.ExecuteAsync));
        return command;
    }
}
