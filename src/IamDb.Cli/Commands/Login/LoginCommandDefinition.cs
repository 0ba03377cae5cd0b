using System.CommandLine;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.Login;

/// <summary><c>iamdb login NAME [--device]</c>.</summary>
internal static class LoginCommandDefinition
{
    public const string Name = "login";

    public static readonly Argument<string> EnvironmentArgument = new("NAME")
    {
        Description = "The saved environment (see `iamdb env list`); it names the identity provider and the role (iamdb env add --oidc-issuer … --oidc-client-id … --role-arn …).",
    };

    public static readonly Option<bool> DeviceOption = new("--device")
    {
        Description = "Sign in with a code on another device (RFC 8628 device flow) instead of a browser on this machine: iamdb prints a web address and a code to enter there.",
    };

    public static readonly Option<bool> NoBrowserOption = new("--no-browser")
    {
        Description = "Do not try to open a browser; only print the sign-in address (open it yourself on this machine).",
    };

    public static readonly Option<string> ScopeOption = new("--scope")
    {
        Description = "Scopes to ask for besides openid, space-separated (e.g. 'email groups' so the ID token carries them).",
        DefaultValueFactory = _ => string.Empty,
    };

    public static readonly Option<int> TimeoutOption = new("--timeout")
    {
        Description = "Give up when the sign-in is not finished after this many seconds (default 300).",
        DefaultValueFactory = _ => 300,
    };

    public static Command Create()
    {
        var command = new Command(
            Name,
            "Sign in as yourself through the environment's OpenID Connect identity provider; no AWS access key needed. "
            + "iamdb opens the provider's sign-in page in your browser (authorization code with PKCE, redirected back to "
            + "http://127.0.0.1:PORT/callback), or with --device shows a code to enter on any device. The ID token is "
            + "exchanged at the broker with AssumeRoleWithWebIdentity for a session of the environment's role, which is "
            + "cached (0600, beside the credential cache) and used by `iamdb connect` and `iamdb url` until it expires. "
            + "No token or key is printed.\n\n"
            + "Examples:\n"
            + "  iamdb env add sso --endpoint-url https://iamdb.example:5600 --cluster analytics --db-user analyst --auto-create \\\n"
            + "      --oidc-issuer https://idp.example --oidc-client-id iamdb --role-arn arn:aws:iam::000000000000:role/analyst\n"
            + "  iamdb login sso\n"
            + "  iamdb login sso --device          # on a machine without a browser\n"
            + "  iamdb connect sso\n"
            + "  iamdb logout sso");
        command.Arguments.Add(EnvironmentArgument);
        command.Options.Add(DeviceOption);
        command.Options.Add(NoBrowserOption);
        command.Options.Add(ScopeOption);
        command.Options.Add(TimeoutOption);
        command.SetAction(CommandRunner.Action(LoginCommand.ExecuteAsync));
        return command;
    }
}
