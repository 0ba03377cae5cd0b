using System.CommandLine;

namespace IamDb.Cli.Commands.Server;

/// <summary><c>iamdb server --config FILE</c>: the broker from a configuration file, in the foreground.</summary>
internal static class ServerCommandDefinition
{
    public const string Name = "server";

    public static readonly Option<FileInfo> ConfigOption = new("--config", "-c")
    {
        Description = "TOML configuration file (see the example below).",
        Required = true,
    };

    public static readonly Option<int?> PortOption = new("--port", "-p")
    {
        Description = "Override the port of every listen URL.",
    };

    public static readonly Option<string?> DataDirOption = new("--data-dir")
    {
        Description = "Override data_dir.",
    };

    public static readonly Option<bool> AllowPlainHttpOption = new("--allow-plain-http")
    {
        Description = "Allow plain HTTP URLs on addresses other than loopback (behind a TLS-terminating proxy), like allow_plain_http = true; a warning is logged at start.",
    };

    public static Command Create()
    {
        var command = new Command(
            Name,
            "Run the IamDb broker from a configuration file, in the foreground (Ctrl-C or SIGTERM stops it gracefully).\n\n"
            + "Example config (all keys optional):\n"
            + "  urls = [\"http://127.0.0.1:8080\"]\n"
            + "  data_dir = \"/var/lib/iamdb\"\n"
            + "  account_id = \"123456789012\"\n"
            + "  region = \"eu-west-1\"\n"
            + "  allow_plain_http = false                # http:// on a non-loopback address is refused unless true\n"
            + "  master_key_env = \"IAMDB_MASTER_KEY\"     # or master_key_file = \"/etc/iamdb/master.key\"\n"
            + "  [store]\n"
            + "  kind = \"postgres\"                       # default \"sqlite\" in data_dir\n"
            + "  connection_string = \"Host=db;Database=iamdb;Username=iamdb\"\n"
            + "  [throttling]\n"
            + "  rate_per_second = 100\n"
            + "  burst = 200\n"
            + "  failed_auth_burst = 20                  # failed authentications per client address before Throttling\n"
            + "  failed_auth_rate_per_second = 5\n"
            + "  [tls]\n"
            + "  generate = true                         # or certificate = \"server.pem\", key = \"server.key\"\n"
            + "  [metrics]\n"
            + "  enabled = true                          # GET /metrics (Prometheus); listen = \"127.0.0.1:9464\" for a port of its own\n"
            + "  [logging]\n"
            + "  format = \"json\"                        # or \"text\" (default); level = \"information\" (default), \"warning\", ...\n"
            + "  [federation]\n"
            + "  saml_audience = \"https://iamdb.example/saml\"  # AssumeRoleWithSAML also accepts this Audience/Recipient besides\n"
            + "                                                # https://signin.aws.amazon.com/saml; the same on every node\n\n"
            + "Examples:\n"
            + "  iamdb server --config /etc/iamdb/broker.toml\n"
            + "  iamdb server -c broker.toml --port 9000 --data-dir /tmp/iamdb\n\n"
            + "Every problem in the file is reported at once; the exit code is 2 for a bad configuration.");
        command.Options.Add(ConfigOption);
        command.Options.Add(PortOption);
        command.Options.Add(DataDirOption);
        command.Options.Add(AllowPlainHttpOption);
        command.SetAction((parseResult, ct) => new ServerCommand(parseResult).ExecuteAsync(ct));
        return command;
    }
}
