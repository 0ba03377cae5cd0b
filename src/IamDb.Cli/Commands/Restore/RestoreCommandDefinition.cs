using System.CommandLine;
using IamDb.Cli.Commands.Backup;

namespace IamDb.Cli.Commands.Restore;

/// <summary><c>iamdb restore</c>: put a backup made by <c>iamdb backup</c> back in place.</summary>
internal static class RestoreCommandDefinition
{
    public const string Name = "restore";

    public static readonly Option<string> FromOption = new("--from")
    {
        Description = "The backup file written by `iamdb backup`.",
        Required = true,
    };

    public static readonly Option<bool> ForceOption = new("--force")
    {
        Description = "Replace the store the data directory holds (it is kept as state.db.before-restore).",
    };

    public static readonly Option<string?> DataDirOption = StoreSelection.DataDirOption();

    public static readonly Option<FileInfo?> ConfigOption = StoreSelection.ConfigOption();

    public static Command Create()
    {
        var command = new Command(
            Name,
            "Put a backup written by `iamdb backup` back as the broker's SQLite state store. Stop the broker first: a store "
            + "that a process has open is never replaced. The backup is checked before anything changes: it must be an IamDb "
            + "store this version can read, and the data directory's master key (master.key or IAMDB_MASTER_KEY) must be the "
            + "one it was made with. An existing store is replaced only with --force, and kept as state.db.before-restore. "
            + "Everything written after the backup (new users, keys, audit records) is gone after a restore; credentials "
            + "issued since then are found and dropped by the reaper through their marker. A PostgreSQL store is restored "
            + "with pg_restore; for one, this command prints the recipe.\n\n"
            + "Examples:\n"
            + "  systemctl stop iamdb && iamdb restore --config /etc/iamdb/iamdb.toml --from /var/backups/iamdb/state.db --force\n"
            + "  iamdb restore --data-dir ./new-node --from state.db   # a fresh directory: copy master.key there first\n\n"
            + "Exit codes: 0 restored, 1 refused or failed (nothing changed), 2 usage error.");
        command.Options.Add(FromOption);
        command.Options.Add(ForceOption);
        command.Options.Add(DataDirOption);
        command.Options.Add(ConfigOption);
        command.SetAction((parseResult, ct) => new RestoreCommand(parseResult).ExecuteAsync(ct));
        return command;
    }
}
