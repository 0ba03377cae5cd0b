using System.CommandLine;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.Revoke;

/// <summary><c>iamdb revoke</c>: end temporary credentials before they expire.</summary>
internal static class RevokeCommandDefinition
{
    public const string Name = "revoke";

    public static readonly Option<string?> ClusterOption = new("--cluster")
    {
        Description = "The cluster (needed with --login-role and --all; narrows --principal).",
    };

    public static readonly Option<string?> LoginRoleOption = new("--login-role")
    {
        Description = "One credential: the DbUser that get-cluster-credentials returned (IAM:adam:...).",
    };

    public static readonly Option<string?> PrincipalOption = new("--principal")
    {
        Description = "Everything issued to this principal ARN (a user, or an assumed-role session).",
    };

    public static readonly Option<bool> AllOption = new("--all")
    {
        Description = "Everything issued on --cluster.",
    };

    public static Command Create()
    {
        var command = new Command(
            Name,
            "Revoke temporary credentials now: their sessions are terminated, their login roles dropped, and the "
            + "revocation audited. Give exactly one scope.\n\n"
            + "Examples:\n"
            + "  iamdb revoke --cluster analytics --login-role 'IAM:adam:3f2a...'\n"
            + "  iamdb revoke --principal arn:aws:iam::123456789012:user/adam\n"
            + "  iamdb revoke --principal arn:aws:iam::123456789012:user/adam --cluster analytics\n"
            + "  iamdb revoke --cluster analytics --all");
        command.Options.Add(ClusterOption);
        command.Options.Add(LoginRoleOption);
        command.Options.Add(PrincipalOption);
        command.Options.Add(AllOption);
        command.SetAction(CommandRunner.Action(RevokeCommand.ExecuteAsync));
        return command;
    }
}
