using System.CommandLine;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.Env.Add;

/// <summary><c>iamdb env add</c>.</summary>
internal static class EnvAddCommandDefinition
{
    public const string Name = "add";

    public static readonly Option<string> ClusterOption = new("--cluster")
    {
        Description = "Cluster identifier.",
        Required = true,
    };

    public static readonly Option<string?> DbNameOption = new("--db-name")
    {
        Description = "Database to connect to (credentials are limited to it).",
    };

    public static readonly Option<string> DbUserOption = new("--db-user")
    {
        Description = "Database user to obtain credentials for.",
        Required = true,
    };

    public static readonly Option<string[]> DbGroupsOption = new("--db-groups")
    {
        Description = "Database groups to join for the session (several: --db-groups a b, or repeat the option).",
        AllowMultipleArgumentsPerToken = true,
    };

    public static readonly Option<bool> AutoCreateOption = new("--auto-create")
    {
        Description = "Create the database user if it does not exist.",
    };

    public static readonly Option<int?> DurationOption = new("--duration")
    {
        Description = "Credential lifetime in seconds, 900 to 3600 (default 900).",
    };

    public static readonly Option<string?> OidcIssuerOption = new("--oidc-issuer")
    {
        Description = "OpenID Connect issuer that `iamdb login` signs in with (https://…, as in its ID tokens' iss). Needs --oidc-client-id and --role-arn.",
    };

    public static readonly Option<string?> OidcClientIdOption = new("--oidc-client-id")
    {
        Description = "Client id of iamdb at that issuer: a public client allowed PKCE with redirect http://127.0.0.1/callback (any port) and/or the device flow.",
    };

    public static readonly Option<string?> RoleArnOption = new("--role-arn")
    {
        Description = "Role `iamdb login` assumes with the ID token (AssumeRoleWithWebIdentity at the broker); its trust policy names the OIDC provider.",
    };

    public static readonly Option<bool> ReplaceOption = new("--replace")
    {
        Description = "Replace an environment of the same name instead of refusing.",
    };

    public static Command Create()
    {
        var command = new Command(
            Name,
            "Save an environment. Give the broker with --endpoint-url, or real AWS with --region (and --profile for its credentials).\n\n"
            + "Examples:\n"
            + "  iamdb env add local --endpoint-url http://127.0.0.1:5600 --cluster local --db-name dev --db-user adam\n"
            + "  iamdb env add prod --region eu-west-1 --cluster analytics --db-name warehouse --db-user adam --db-groups readers --auto-create --duration 3600 --profile prod\n"
            + "  iamdb env add sso --endpoint-url https://iamdb.example:5600 --cluster analytics --db-user analyst --auto-create --oidc-issuer https://idp.example --oidc-client-id iamdb --role-arn arn:aws:iam::000000000000:role/analyst\n\n"
            + "With --oidc-issuer, --oidc-client-id and --role-arn, `iamdb login NAME` signs in through the identity provider and `connect`/`url` use that session.\n"
            + "A name that exists already is refused unless --replace is given.");
        command.Arguments.Add(EnvCommandDefinition.NameArgument);
        command.Options.Add(ClusterOption);
        command.Options.Add(DbNameOption);
        command.Options.Add(DbUserOption);
        command.Options.Add(DbGroupsOption);
        command.Options.Add(AutoCreateOption);
        command.Options.Add(DurationOption);
        command.Options.Add(OidcIssuerOption);
        command.Options.Add(OidcClientIdOption);
        command.Options.Add(RoleArnOption);
        command.Options.Add(ReplaceOption);
        command.SetAction(CommandRunner.Action(EnvAddCommand.ExecuteAsync));
        return command;
    }
}
