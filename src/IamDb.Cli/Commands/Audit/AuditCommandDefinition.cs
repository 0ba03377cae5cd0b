using System.CommandLine;

namespace IamDb.Cli.Commands.Audit;

/// <summary><c>iamdb audit</c>: list and filter the broker's audit trail.</summary>
internal static class AuditCommandDefinition
{
    public const string Name = "audit";

    public static readonly Option<string?> SinceOption = new("--since")
    {
        Description = "Only records at or after this time: ISO-8601 (2026-12-01, 2026-12-01T09:30:00Z) or an age (30s, 15m, 2h, 7d, 2w).",
    };

    public static readonly Option<string?> UntilOption = new("--until")
    {
        Description = "Only records before this time (same forms as --since).",
    };

    public static readonly Option<string?> PrincipalOption = new("--principal")
    {
        Description = "A principal ARN, or a user or role name (a role name matches its sessions; `root` is the account root).",
    };

    public static readonly Option<string?> ActionOption = new("--action")
    {
        Description = "An action, alone (GetClusterCredentials) or with its service (sts:AssumeRole; iam, sts, redshift, iamdb).",
    };

    public static readonly Option<string?> OutcomeOption = new("--outcome")
    {
        Description = "success, denied (refused by a policy: AccessDenied) or error (any other failure).",
    };

    public static readonly Option<int> LimitOption = new("--limit", "-n")
    {
        Description = "Most records to show, newest first.",
        DefaultValueFactory = _ => 50,
    };

    public static readonly Option<string?> DataDirOption = new("--data-dir")
    {
        Description = "The broker's data directory (SQLite state). Default: the same as `iamdb up`'s, ~/.local/share/iamdb.",
    };

    public static readonly Option<FileInfo?> ConfigOption = new("--config", "-c")
    {
        Description = "The broker's TOML configuration (as for `iamdb server`); reads its store, PostgreSQL included.",
    };

    public static Command Create()
    {
        var command = new Command(
            Name,
            "List the broker's audit trail, newest first: who called which action, when, from where, the outcome, and which "
            + "policy statement allowed or denied it. Records never contain secrets. Reads the state store directly, so it "
            + "works while the broker runs and needs the broker's master key (the data directory's master.key or IAMDB_MASTER_KEY).\n\n"
            + "Examples:\n"
            + "  iamdb audit                                          # the last 50 requests\n"
            + "  iamdb audit --since 15m --outcome denied             # what was refused in the last 15 minutes\n"
            + "  iamdb audit --principal adam --action GetClusterCredentials --since 7d\n"
            + "  iamdb audit --action sts:AssumeRole --since 2026-12-01T00:00:00Z --until 2026-12-02\n"
            + "  iamdb audit --principal arn:aws:iam::123456789012:user/ci/deployer -n 500 --output json | jq '.Records[].eventName'\n"
            + "  iamdb audit --config /etc/iamdb/broker.toml --since 1h  # a PostgreSQL store shared by several brokers\n\n"
            + "Exit codes: 0 ok (also when nothing matches), 1 the store could not be read, 2 usage error.");
        command.Options.Add(SinceOption);
        command.Options.Add(UntilOption);
        command.Options.Add(PrincipalOption);
        command.Options.Add(ActionOption);
        command.Options.Add(OutcomeOption);
        command.Options.Add(LimitOption);
        command.Options.Add(DataDirOption);
        command.Options.Add(ConfigOption);
        command.SetAction((parseResult, ct) => new AuditCommand(parseResult).ExecuteAsync(ct));
        return command;
    }
}
