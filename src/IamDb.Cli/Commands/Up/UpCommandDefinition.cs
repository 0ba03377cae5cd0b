using System.CommandLine;

namespace IamDb.Cli.Commands.Up;

/// <summary><c>iamdb up</c>: the broker on embedded defaults, in the foreground.</summary>
internal static class UpCommandDefinition
{
    public const string Name = "up";

    public static readonly Option<int> PortOption = new("--port", "-p")
    {
        Description = "Port to listen on (0 picks a free one).",
        DefaultValueFactory = _ => 0,
    };

    public static readonly Option<string?> DataDirOption = new("--data-dir")
    {
        Description = "Data directory (state, master key, credentials files). Default: ~/.local/share/iamdb.",
    };

    public static readonly Option<string> HostOption = new("--host")
    {
        Description = "Address to listen on. Default: 127.0.0.1 (loopback only). Any other address needs --tls or --allow-plain-http.",
        DefaultValueFactory = _ => "127.0.0.1",
    };

    public static readonly Option<bool> AllowPlainHttpOption = new("--allow-plain-http")
    {
        Description = "Allow plain HTTP on an address other than loopback (behind a TLS-terminating proxy); a warning is logged at start.",
    };

    public static readonly Option<bool> TlsOption = new("--tls")
    {
        Description = "Serve HTTPS with a generated self-signed certificate; its CA is written to DATA/tls/ca.pem.",
    };

    public static readonly Option<string?> AccountIdOption = new("--account-id")
    {
        Description = "12-digit account id for a new data directory. Default: generated at first start.",
    };

    public static readonly Option<bool> NoLocalClusterOption = new("--no-local-cluster")
    {
        Description = "Do not start the managed local PostgreSQL (cluster `local`) even when no cluster is registered.",
    };

    public static Command Create()
    {
        var command = new Command(
            Name,
            "Run the IamDb broker (IAM, STS) in the foreground on embedded defaults: SQLite state in the data directory, "
            + "a generated account and root access key on first start, plain HTTP on 127.0.0.1. It prints\n"
            + "`IamDb ready at http://127.0.0.1:PORT` when it serves, and the aws CLI works with the profile it writes.\n\n"
            + "Examples:\n"
            + "  iamdb up\n"
            + "  iamdb up --port 8080 --data-dir ./iamdb-data\n"
            + "  iamdb up --port 8443 --tls\n"
            + "  AWS_SHARED_CREDENTIALS_FILE=~/.local/share/iamdb/credentials AWS_CONFIG_FILE=~/.local/share/iamdb/config \\\n"
            + "    aws --profile iamdb --endpoint-url http://127.0.0.1:8080 sts get-caller-identity\n\n"
            + "--region (default us-east-1) is written to the generated AWS config profile. Ctrl-C (or SIGTERM) stops it gracefully.");
        command.Options.Add(PortOption);
        command.Options.Add(DataDirOption);
        command.Options.Add(HostOption);
        command.Options.Add(TlsOption);
        command.Options.Add(AllowPlainHttpOption);
        command.Options.Add(AccountIdOption);
        command.Options.Add(NoLocalClusterOption);
        command.SetAction((parseResult, ct) => new UpCommand(parseResult).ExecuteAsync(ct));
        return command;
    }
}
