using System.CommandLine;

namespace IamDb.Cli.Commands.Backup;

/// <summary><c>iamdb backup</c>: a consistent copy of the broker's SQLite store while it runs.</summary>
internal static class BackupCommandDefinition
{
    public const string Name = "backup";

    public static readonly Option<string> OutOption = new("--out", "-o")
    {
        Description = "The backup file to write (mode 0600). Refused if it exists, unless --force.",
        Required = true,
    };

    public static readonly Option<bool> ForceOption = new("--force")
    {
        Description = "Replace --out if it exists.",
    };

    public static readonly Option<string?> DataDirOption = StoreSelection.DataDirOption();

    public static readonly Option<FileInfo?> ConfigOption = StoreSelection.ConfigOption();

    public static Command Create()
    {
        var command = new Command(
            Name,
            "Copy the broker's SQLite state store (users, roles, policies, access keys, clusters, credentials, audit trail) to one "
            + "file, consistently, while the broker keeps serving (SQLite's online backup API). The master key is NOT in the "
            + "backup: a backup alone discloses no secret, and restoring it needs the key it was made with, so keep a copy of "
            + "master.key (or IAMDB_MASTER_KEY) apart from the backups. A PostgreSQL store is backed up with pg_dump; for one, "
            + "this command prints the recipe.\n\n"
            + "Examples:\n"
            + "  iamdb backup --out /var/backups/iamdb/state-$(date +%F).db\n"
            + "  iamdb backup --config /etc/iamdb/iamdb.toml --out /var/backups/iamdb/state.db --force\n"
            + "  iamdb restore --from /var/backups/iamdb/state.db        # put it back (broker stopped)\n\n"
            + "Exit codes: 0 written, 1 failure (no store, a PostgreSQL store, --out exists), 2 usage error.");
        command.Options.Add(OutOption);
        command.Options.Add(ForceOption);
        command.Options.Add(DataDirOption);
        command.Options.Add(ConfigOption);
        command.SetAction((parseResult, ct) => new BackupCommand(parseResult).ExecuteAsync(ct));
        return command;
    }
}
